// What makes dist/ stale (scripts/build_inputs.ts): a service's source or a file it reads beside itself does; its
// tests, test output (the console's screenshots), logs and hidden files do not, so tests that write those while
// others start services from dist/ do not see a stale build.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { buildStampFile, staleBuild } from '../scripts/build_inputs.ts';

test('build inputs - sources and the files code reads make dist/ stale; tests, test output, logs and hidden files do not', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'citypass-build-inputs-'));
  t.after(() => {
    rmSync(root, { recursive: true, force: true });
  });
  const write = (path: string, atMs: number): void => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), 'x');
    utimesSync(join(root, path), atMs / 1000, atMs / 1000);
  };
  const builtAtMs = Date.now() - 60_000;
  mkdirSync(join(root, 'packages'));
  write('proto/package.json', builtAtMs - 1_000);
  write('proto/gen/a.ts', builtAtMs - 1_000);
  write('services/demo/package.json', builtAtMs - 1_000);
  write('services/demo/src/main.ts', builtAtMs - 1_000);
  write('services/demo/src/store/migrations/1-start.sql', builtAtMs - 1_000);
  assert.equal(staleBuild(root), 'dist/ has not been built');
  write(`dist/${buildStampFile}`, builtAtMs);
  assert.equal(staleBuild(root), undefined);

  for (const path of [
    'services/demo/test-output/screenshots/01-home.png',
    'services/demo/test/thing.test.ts',
    'services/demo/src/thing.test.ts',
    'services/demo/server.log',
    'services/demo/.tmp/scratch',
    'services/demo/src/.main.ts.swp',
    'services/demo/coverage/lcov.info',
  ])
    write(path, builtAtMs + 1_000);
  assert.equal(staleBuild(root), undefined);

  write('services/demo/src/store/migrations/2-more.sql', builtAtMs + 1_000);
  assert.equal(staleBuild(root), 'services/demo/src/store/migrations/2-more.sql changed after the last build');
});
