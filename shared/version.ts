/** Loopgate's version, reported in hello-ok, health and status (kept equal to package.json by a unit test). */
export const LOOPGATE_VERSION = '0.1.0';
