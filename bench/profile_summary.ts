// Where a service's CPU goes, from a V8 CPU profile (`node --cpu-prof`, e.g. BENCH_WALLET_NODE_OPTIONS="--cpu-prof
// --cpu-prof-dir=/tmp/prof" node bench/wallet_charges.ts): self time grouped by the part of the system it belongs
// to (gRPC, NATS, the PostgreSQL client, telemetry, protobuf, crypto, our own code by folder, Node's internals),
// as JSON lines, largest first. A native builtin or Node's stream code counts for the caller that asked for it. With `--ops N` (operations the service handled while profiled) each part also gets
// CPU microseconds per operation: the cost table issue 12 asks for.
// A profile spans the whole run; `--from S --to S` (seconds since the profile started) keeps one phase's samples, and
// `--timeline REGEX` prints, second by second, the busy CPU and the CPU under frames whose url matches REGEX (e.g.
// `app/charge.ts`), which shows where a phase begins and ends.
// On a loaded machine a sample taken after the process waited for a core carries the whole wait as its time, and
// lands on whatever frame was running (a 300 ms "setTimeout"); `--cap-us N` (e.g. 2x the sampling interval, 2000)
// counts each sample for at most N us, so the parts add up to CPU rather than to waiting.
// Run: node bench/profile_summary.ts <file.cpuprofile> [--ops N] [--top N] [--from S --to S] [--timeline REGEX]
//      [--cap-us N]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string };
  readonly children?: readonly number[];
}
interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
  readonly startTime: number;
  readonly endTime: number;
}

/** The first rule whose pattern matches a frame's url (or name, for V8's own pseudo-frames) names its part. */
const parts: readonly (readonly [string, RegExp])[] = [
  ['idle', /^\(idle\)$/],
  ['garbage collection', /^\(garbage collector\)$/],
  ['V8 (compile, runtime, native)', /^\(program\)$/],
  ['gRPC (grpc-js)', /@grpc\//],
  ['NATS client', /@nats-io\//],
  ['PostgreSQL client (pg)', /node_modules\/pg(-[a-z]+)?\//],
  ['telemetry (OpenTelemetry)', /@opentelemetry\/|import-in-the-middle/],
  ['protobuf (generated code, @bufbuild)', /@bufbuild\/|\/proto\/gen\/|@citypass\/proto|\/proto\/src\//],
  ['JWT/JOSE', /node_modules\/jose\//],
  ['crypto (node:crypto)', /node:internal\/crypto|^node:crypto/],
  ['logging', /platform\/src\/log\.ts/],
  ['credential (presentation verification)', /packages\/credential\//],
  ['platform (outbox, bus, pg, idempotency, ...)', /packages\/platform\//],
  ['risk engine (@citypass/risk)', /packages\/risk\//],
  ['wallet: grpc and bus edges', /services\/wallet\/src\/(grpc|bus)\//],
  ['wallet: app (authorize, capture, risk)', /services\/wallet\/src\/app\//],
  ['wallet: store (SQL calls)', /services\/wallet\/src\/store\//],
  ['wallet: domain', /services\/wallet\/src\/domain\//],
  ['wallet: other', /services\/wallet\/src\//],
  ['Node internals (streams, net, timers)', /^node:/],
  ['other dependencies', /node_modules\//],
];

function ownPartOf(frame: ProfileNode['callFrame']): string {
  const key = frame.url === '' ? frame.functionName : frame.url;
  for (const [name, pattern] of parts) if (pattern.test(key)) return name;
  return frame.url === '' ? 'V8 builtins (no source)' : 'other';
}

/** Frames that do work on someone else's behalf: a native builtin, Node's streams and sockets. */
const borrowed = new Set(['V8 builtins (no source)', 'Node internals (streams, net, timers)']);

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    ops: { type: 'string' },
    top: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    timeline: { type: 'string' },
    'cap-us': { type: 'string' },
  },
});
const file = positionals[0];
if (file === undefined) {
  process.stderr.write('usage: node bench/profile_summary.ts <file.cpuprofile> [--ops N]\n');
  process.exit(64);
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const ops = values.ops === undefined ? undefined : Number(values.ops);
const capUs = values['cap-us'] === undefined ? Number.POSITIVE_INFINITY : Number(values['cap-us']);
/** The time a sample stands for: its delta, at most --cap-us. */
const sampleUs = (index: number): number => Math.min(profile.timeDeltas[index] ?? 0, capUs);
const nodeById = new Map(profile.nodes.map((node) => [node.id, node]));
const parentOf = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);

/** A borrowed frame's time belongs to the nearest caller that is a part of its own (JSON.parse under pg is pg's). */
function partOf(id: number): string {
  const own = ownPartOf(nodeById.get(id)?.callFrame ?? { functionName: '', url: '' });
  if (!borrowed.has(own)) return own;
  for (let up = parentOf.get(id); up !== undefined; up = parentOf.get(up)) {
    const frame = nodeById.get(up)?.callFrame;
    if (frame === undefined) break;
    const part = ownPartOf(frame);
    if (!borrowed.has(part) && part !== 'V8 (compile, runtime, native)') return part;
  }
  return own;
}
/** Each sample's time, in seconds since the profile started. */
const sampleS: number[] = [];
let elapsedUs = 0;
for (const delta of profile.timeDeltas) {
  elapsedUs += delta;
  sampleS.push(elapsedUs / 1e6);
}
const fromS = Number(values.from ?? 0);
const toS = values.to === undefined ? (profile.endTime - profile.startTime) / 1e6 : Number(values.to);
const inWindow = (index: number): boolean => (sampleS[index] ?? 0) >= fromS && (sampleS[index] ?? 0) < toS;

if (values.timeline !== undefined) {
  const pattern = new RegExp(values.timeline);
  const under = (id: number): boolean => {
    for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at))
      if (pattern.test(nodeById.get(at)?.callFrame.url ?? '')) return true;
    return false;
  };
  const seconds: { busy_ms: number; matching_ms: number }[] = [];
  profile.samples.forEach((id, index) => {
    const second = Math.floor(sampleS[index] ?? 0);
    const bucket = (seconds[second] ??= { busy_ms: 0, matching_ms: 0 });
    const ms = sampleUs(index) / 1000;
    if (nodeById.get(id)?.callFrame.functionName === '(idle)') return;
    bucket.busy_ms += ms;
    if (under(id)) bucket.matching_ms += ms;
  });
  seconds.forEach((bucket, second) =>
    process.stdout.write(
      `${JSON.stringify({ second, busy_ms: Math.round(bucket.busy_ms), matching_ms: Math.round(bucket.matching_ms) })}\n`,
    ),
  );
}

const selfUs = new Map<string, number>();
const frameUs = new Map<string, { part: string; us: number }>();
profile.samples.forEach((id, index) => {
  if (!inWindow(index)) return;
  const part = partOf(id);
  const us = sampleUs(index);
  selfUs.set(part, (selfUs.get(part) ?? 0) + us);
  const frame = nodeById.get(id)?.callFrame;
  const name = `${frame?.functionName || '(anonymous)'} ${frame?.url.split('/').slice(-2).join('/') ?? ''}`.trim();
  const key = `${name}\u0000${part}`; // one native frame (a socket write) can work for several parts
  frameUs.set(key, { part, us: (frameUs.get(key)?.us ?? 0) + us });
});
const busyUs = [...selfUs].filter(([part]) => part !== 'idle').reduce((sum, [, us]) => sum + us, 0);
const wallUs = (toS - fromS) * 1e6;
process.stdout.write(
  `${JSON.stringify({ profile: file, wall_s: wallUs / 1e6, busy_s: busyUs / 1e6, busy_share: busyUs / wallUs, ops: ops ?? null })}\n`,
);
for (const [part, us] of [...selfUs].sort((a, b) => b[1] - a[1])) {
  if (part === 'idle') continue;
  process.stdout.write(
    `${JSON.stringify({
      part,
      cpu_ms: Math.round(us / 1000),
      share_of_busy: Math.round((us / busyUs) * 1000) / 1000,
      ...(ops === undefined ? {} : { cpu_us_per_op: Math.round(us / ops) }),
    })}\n`,
  );
}

// With `--top N`: the N frames with the most self time, and the part each was counted for.
for (const [key, { part, us }] of [...frameUs]
  .filter(([, entry]) => entry.part !== 'idle')
  .sort((a, b) => b[1].us - a[1].us)
  .slice(0, Number(values.top ?? 0)))
  process.stdout.write(`${JSON.stringify({ frame: key.split('\u0000')[0], part, cpu_ms: Math.round(us / 1000) })}\n`);
