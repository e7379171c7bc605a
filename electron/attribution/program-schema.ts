// How a program a device was approved from (or last connected from) is stored: validated like the rest.
import { z } from 'zod';
import type { ProgramRef } from '../../shared/attribution';

export const ProgramRefSchema: z.ZodType<ProgramRef> = z.object({
  exe: z.string().max(2048).optional(),
  name: z.string().max(256),
  script: z.string().max(256).optional(),
  user: z.string().max(256).optional(),
  pid: z.number().int().nonnegative().optional(),
  atMs: z.number().nonnegative(),
});
