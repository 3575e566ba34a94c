// bench/profile_summary.ts on a made-up profile whose answer is known: a socket write under pg is pg's time, the
// same native frame under the NATS client is the NATS client's, and idle time is nobody's.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';

const frame = (id: number, functionName: string, url: string, children: number[] = []) => ({
  id,
  callFrame: { functionName, url, scriptId: '0', lineNumber: 0, columnNumber: 0 },
  children,
});

test('profile summary: native time counts for the caller that asked for it, per operation', () => {
  const profile = {
    nodes: [
      frame(1, '(root)', '', [2, 3, 6, 7]),
      frame(2, 'query', 'file:///app/node_modules/pg/lib/client.js', [4]),
      frame(3, 'publish', 'file:///app/node_modules/@nats-io/nats-core/lib/nats.js', [5]),
      frame(4, 'writeBuffer', ''),
      frame(5, 'writeBuffer', ''),
      frame(6, '(idle)', ''),
      frame(7, 'authorize', 'file:///app/services/wallet/src/app/authorize.ts'),
    ],
    // 3 ms writing for pg, 1 ms writing for NATS, 2 ms in the wallet's own code, 10 ms idle.
    samples: [4, 4, 4, 5, 7, 7, 6],
    timeDeltas: [1000, 1000, 1000, 1000, 1000, 1000, 10_000],
    startTime: 0,
    endTime: 16_000,
  };
  const file = join(mkdtempSync(join(tmpdir(), 'profile-')), 'wallet.cpuprofile');
  writeFileSync(file, JSON.stringify(profile));
  const output = execFileSync(
    process.execPath,
    [join(import.meta.dirname, '..', 'bench', 'profile_summary.ts'), file, '--ops', '2', '--top', '1'],
    { encoding: 'utf8' },
  );
  const [header, ...rows] = output
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  assert.deepEqual(header, { profile: file, wall_s: 0.016, busy_s: 0.006, busy_share: 0.375, ops: 2 });
  assert.deepEqual(rows, [
    { part: 'PostgreSQL client (pg)', cpu_ms: 3, share_of_busy: 0.5, cpu_us_per_op: 1500 },
    { part: 'wallet: app (authorize, capture, risk)', cpu_ms: 2, share_of_busy: 0.333, cpu_us_per_op: 1000 },
    { part: 'NATS client', cpu_ms: 1, share_of_busy: 0.167, cpu_us_per_op: 500 },
    { frame: 'writeBuffer', part: 'PostgreSQL client (pg)', cpu_ms: 3 },
  ]);
});
