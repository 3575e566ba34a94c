// Every benchmark that `npm run bench` runs, run once at its smallest (BENCH_SMOKE=1 and short phases), so a
// change that breaks a bench fails here and not on the day someone measures. No figure is read as a timing: the
// run must finish, and every line it prints must be a figure a reader can use (bench, metric, value, unit, and its
// floor and ratio, or `floor: null` with the reason there is none).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';

const root = join(import.meta.dirname, '..');
const benchScript = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: { bench: string } })
  .scripts.bench;
const benches = [...benchScript.matchAll(/node (bench\/\w+\.ts)/g)].map((match) => match[1] ?? '');

const smokeEnv = {
  BENCH_SMOKE: '1',
  BENCH_PHASE_MS: '300',
  BENCH_ROUND_MS: '300',
  BENCH_RESIDENTS: '4',
  BENCH_PATIENTS: '2',
  BENCH_REVOCATION_ROUNDS: '1',
};

function run(file: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [file], { cwd: root, env: { ...process.env, ...smokeEnv } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({ code, stdout, stderr });
    });
  });
}

test('npm run bench names its benches', () => {
  assert.ok(benches.length >= 5, benchScript);
});

for (const file of benches) {
  test(`bench smoke: ${file} runs through and prints only figures`, async () => {
    const { code, stdout, stderr } = await run(file);
    assert.equal(code, 0, stderr.slice(-2_000));
    const lines = stdout.split('\n').filter((line) => line !== '');
    assert.ok(lines.length > 0, `${file} printed no figure`);
    for (const line of lines) {
      const figure = JSON.parse(line) as Record<string, unknown>;
      assert.equal(typeof figure.bench, 'string', line);
      assert.equal(typeof figure.metric, 'string', line);
      assert.equal(typeof figure.unit, 'string', line);
      // null: a figure the smoke run is too small to measure (no request of that kind happened).
      assert.ok(typeof figure.value === 'number' || figure.value === null, line);
      // Every figure says what it is measured against (issue 12): its floor and ratio, or why it has no floor.
      assert.ok('floor' in figure, `no floor: ${line}`);
      if (figure.floor === null) {
        assert.equal(typeof figure.floor_missing, 'string', line);
        assert.ok(String(figure.floor_missing).length > 0, line);
      } else {
        assert.equal(typeof figure.floor, 'number', line);
        assert.ok(typeof figure.ratio === 'number' || (figure.value === null && figure.ratio === null), line);
      }
    }
  });
}
