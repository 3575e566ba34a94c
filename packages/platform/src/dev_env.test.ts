import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { devEnvPath, parseDevEnv, readDevEnv } from './dev_env.ts';

test('dev env - KEY=value lines; a value keeps its own = signs; blanks, comments and lines without a key are skipped', () => {
  assert.deepEqual(parseDevEnv('A=1\n\n# note\nB=x=y==\n=orphan\nnot a setting\nC=\n'), { A: '1', B: 'x=y==', C: '' });
});

test('dev env - CITYPASS_DEV_ENV names the file; a missing file has no settings', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dev-env-'));
  const path = join(dir, 'dev.env');
  assert.equal(devEnvPath({ CITYPASS_DEV_ENV: path }), path);
  assert.match(devEnvPath({}), /\.config\/citypass\/dev\.env$/);
  assert.deepEqual(readDevEnv(path), {});
  writeFileSync(path, 'IDENTITY_OPERATOR_CLIENT_SECRET=s3cret\n');
  assert.deepEqual(readDevEnv(path), { IDENTITY_OPERATOR_CLIENT_SECRET: 's3cret' });
});
