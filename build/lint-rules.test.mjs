// The rule of which process a file may run in is machine-checked: prove the lint config rejects each crossing.
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const eslint = new ESLint({ cwd: root });
// The module name is assembled so a plain grep for real imports of it does not match these test snippets.
const E = ['elec', 'tron'].join('');
const importIt = `import { app } from '${E}';\nexport const a = app;\n`;

async function messages(code, file) {
  const [result] = await eslint.lintText(code, { filePath: join(root, file) });
  return result.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

test("only electron/app/ may import 'electron'", async () => {
  for (const file of ['electron/gateway/x.ts', 'electron/pairing/x.ts', 'electron/cli/x.ts', 'shared/x.ts', 'renderer/src/x.ts']) {
    const found = await messages(importIt, file);
    assert.ok(found.some((m) => m.includes("Only electron/app/ may import 'electron'")), `${file}: ${found.join('; ')}`);
    const req = await messages(`export const e = require('${E}');\n`, file);
    assert.ok(req.some((m) => m.includes("may require 'electron'")), `${file} (require): ${req.join('; ')}`);
  }
  assert.deepEqual(await messages(importIt, 'electron/app/x.ts'), []);
});

test('shared/ uses no Node built-ins and no other layer; the renderer reaches no Node or main-process code', async () => {
  assert.ok((await messages("import { readFile } from 'node:fs';\nexport const r = readFile;\n", 'shared/x.ts')).some((m) => m.includes('no Node built-ins')));
  assert.ok((await messages("import { x } from '../electron/gateway/gateway';\nexport const y = x;\n", 'shared/x.ts')).some((m) => m.includes('may import only shared/')));
  assert.ok((await messages("import { readFile } from 'node:fs';\nexport const r = readFile;\n", 'renderer/src/x.ts')).some((m) => m.includes('sandboxed browser page')));
  assert.ok((await messages("import { x } from '../../electron/gateway/gateway';\nexport const y = x;\n", 'renderer/src/x.ts')).some((m) => m.includes('over the protocol only')));
  assert.deepEqual(await messages("import { test } from 'node:test';\ntest('x', () => {});\n", 'shared/x.test.ts'), [], 'tests of shared/ run in Node');
});
