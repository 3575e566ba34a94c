// bench/console_lists.ts cannot rot: its smoke mode (a few hundred rows, a few samples, no goal judged) runs here
// end to end, and every page figure it prints is JSON with its floor and ratio. Timings are not asserted.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';

test('console lists bench - the smoke run seeds, renders every console list page over HTTP and prints each figure with its floor', async () => {
  const child = spawn(process.execPath, [join(import.meta.dirname, '..', 'bench', 'console_lists.ts')], {
    env: { ...process.env, BENCH_SMOKE: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  assert.equal(code, 0, stderr.slice(-2_000));
  const figures = stdout
    .trim()
    .split('\n')
    .map(
      (line) => JSON.parse(line) as { bench: string; metric: string; value: number; floor?: number; ratio?: number },
    );
  const pages = figures.filter(
    (figure) => figure.metric.endsWith('_ms') && figure.metric !== 'console_pages_worst_p95_ms',
  );
  assert.deepEqual(
    pages.map((figure) => figure.metric),
    [
      'residents_first_page',
      'residents_deep_page',
      'residents_search',
      'resident_credentials_first_page',
      'resident_credentials_deep_page',
      'services_first_page',
      'services_deep_page',
      'services_search',
      'gates_first_page',
      'gates_deep_page',
      'gates_search',
      'deny_list_first_page',
      'deny_list_deep_page',
      'wallet_holds_first_page',
      'wallet_holds_deep_page',
      'wallet_holds_search',
      'audit_first_page',
      'audit_deep_page',
      'audit_search_target',
      'audit_search_action',
    ].flatMap((name) => [`${name}_p50_ms`, `${name}_p95_ms`]),
  );
  for (const figure of pages) {
    assert.equal(figure.bench, 'console_lists');
    assert.ok(figure.value > 0 && (figure.floor ?? 0) > 0 && (figure.ratio ?? 0) > 0, JSON.stringify(figure));
  }
});
