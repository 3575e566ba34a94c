// scripts/capacity.ts on made-up bench figures whose sizing is worked by hand.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';

const figure = (operation: string, part: string, value: number | null) =>
  JSON.stringify({ bench: 'made_up', metric: `cpu_per_${operation}`, value, unit: 'us/op', part, operation, ops: 1 });

test('capacity: cores, instances and nodes per part for each peak, from CPU per operation', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'capacity-')), 'bench.jsonl');
  writeFileSync(
    file,
    [
      figure('tap', 'transit', 300),
      figure('tap', 'postgres', 100),
      figure('tap', 'load generator', 9_999), // not sized: gates and phones are not ours
      figure('charge', 'wallet', 200),
      figure('charge', 'wallet', 400), // a second run: the median of 200, 400, 600 is used
      figure('charge', 'wallet', 600),
      figure('charge', 'postgres', 150),
      figure('charge', 'nats', 10),
      figure('charge', 'wallet', null), // a run too short to measure says nothing
      figure('charge floor', 'charge floor', 100),
      figure('charge floor', 'postgres', 50),
      figure('charge floor', 'load generator', 9_999),
      '{"bench":"made_up","metric":"p50","value":1,"unit":"ms"}',
      'not a figure',
    ].join('\n'),
  );
  const lines = execFileSync(
    process.execPath,
    [join(import.meta.dirname, '..', 'scripts', 'capacity.ts'), file, '--utilization', '0.5'],
    { encoding: 'utf8' },
  )
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  const row = (scenario: string, part: string) =>
    lines.find((line) => String(line.scenario).startsWith(scenario) && line.part === part);

  // Metro: 1,666.7 taps/s and 833.3 charges/s. Transit: 1,666.7 x 300 us / 0.5 = 1.0 core -> 1 instance.
  assert.deepEqual(
    { cores: row('metro', 'transit')?.cores, count: row('metro', 'transit')?.count },
    { cores: 1, count: 1 },
  );
  // Postgres: (1,666.7 x 100 + 833.3 x 150) / 0.5 = 0.58 core -> one node of 32.
  assert.equal(row('metro', 'postgres')?.cores, 0.6);
  assert.equal(row('metro', 'load generator'), undefined);
  // Payments: 256,000 x 400 us / 0.5 = 204.8 cores of wallet; postgres 256,000 x 150 / 0.5 = 76.8 -> 3 nodes;
  // NATS stores each message three times: 256,000 x 30 / 0.5 = 15.4 cores, at least three nodes.
  assert.deepEqual([row('payment peak:', 'wallet')?.cores, row('payment peak:', 'wallet')?.count], [204.8, 205]);
  assert.deepEqual([row('payment peak:', 'postgres')?.cores, row('payment peak:', 'postgres')?.count], [76.8, 3]);
  assert.deepEqual([row('payment peak:', 'nats')?.cores, row('payment peak:', 'nats')?.count], [15.4, 3]);
  assert.ok(
    lines.some((line) => String(line.scenario).startsWith('payment peak:') && line.saturates_first === 'wallet'),
  );
  // The same peak at the charge floor's costs: 256,000 x 100 us / 0.5 = 51.2 cores of responder -> 52 instances;
  // postgres 256,000 x 50 / 0.5 = 25.6 cores -> one node of 32.
  const atFloor = (part: string) =>
    lines.find((line) => String(line.scenario).startsWith('payment peak at the charge floor') && line.part === part);
  assert.deepEqual([atFloor('charge floor')?.cores, atFloor('charge floor')?.count], [51.2, 52]);
  assert.deepEqual([atFloor('postgres')?.cores, atFloor('postgres')?.count], [25.6, 1]);
  assert.equal(atFloor('load generator'), undefined);
});

test('capacity: no charge floor figures, no floor scenario and nothing said missing', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'capacity-')), 'bench.jsonl');
  writeFileSync(file, [figure('tap', 'transit', 300), figure('charge', 'wallet', 200)].join('\n'));
  const output = execFileSync(process.execPath, [join(import.meta.dirname, '..', 'scripts', 'capacity.ts'), file], {
    encoding: 'utf8',
  });
  assert.doesNotMatch(output, /charge floor/);
  assert.match(output, /payment peak: 256,000/);
});
