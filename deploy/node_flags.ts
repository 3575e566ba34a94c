// How every citypass service process starts: the V8 flags, the compiled JavaScript it runs, and the environment the
// C library reads. The command and the environment appear in each Deployment's container (deploy/k8s/base/<service>/
// deployment.yaml), each service's `npm start`, the root `npm start` (scripts/start.ts) and
// test/support/service_process.ts (the system tests and benches), so what the benches measure is what runs;
// deploy/k8s/node_flags.test.ts checks the Deployments and `npm start`s against serviceArgs and serviceEnvironment.

/**
 * The young generation's semi-space, in MB. V8 otherwise sizes it from the heap limit, which it derives from the
 * machine's (or the container's) memory: on a 24 GB machine the wallet's new space grew to 134 MB (two 64 MB
 * semi-spaces, every page of them touched and so resident) under bench/wallet_charges.ts, while the live objects a
 * scavenge keeps were a few MB. 16 MB (V8's fixed maximum before it scaled with the heap) held the wallet's peak
 * RSS there at ~190 MB instead of ~310 MB with throughput unchanged within the machine's noise. Once the services
 * ran from JavaScript (below), the young generation was the largest part left: 8 MB peaked at 142-146 MB over four
 * runs against 152-160 MB for 16 in runs alternating with them, wallet CPU per charge and throughput against the
 * floor unchanged within the noise. The young generation then counted twice at the peak: its own pages, and as much
 * again of old-space garbage, since V8 adds the young generation's capacity to the old generation's limit for the
 * next full GC (heap-controller.cc, BoundAllocationLimit). 4 MB took transit's peak under bench/transit_taps.ts from
 * 150 to 139 MB and the wallet's under bench/wallet_charges.ts from 137-142 to 127 MB (with the OTLP exporter no
 * longer loaded, 2-3 MB of it), CPU per charge within the machine's noise in runs at load 20-37
 * (docs/capacity.md, "What transit holds, and 4 MB semi-spaces"). An earlier synthetic churn with 2-4 MB promoted
 * short-lived objects and raised RSS; the services' own loads did not.
 * The wallet runs with 8: with many calls in flight a scavenge copies about the same live set (the calls in flight)
 * however large the space, so twice the space is about half the scavenges for the same allocation. In five
 * alternating pairs of bench/wallet_charges.ts (2026-12-07, load 0-4; docs/capacity.md, "The wallet's semi-space")
 * its CPU per charge fell in every pair (median 499 -> 423 us), its charges with 64 in flight went from 0.59-0.79
 * of the floor's to 0.74-0.86 (the charge floor runs with the wallet's flags), and its peak RSS rose by ~7 MB, to
 * 136-139 MB, under 150. Transit, already above 150 MB, and the others keep 4.
 */
export const defaultMaxSemiSpaceMb = 4;
const maxSemiSpaceMbOf: Readonly<Record<string, number>> = { wallet: 8 };

/** `service`'s young generation semi-space, in MB. */
export function maxSemiSpaceMb(service: string): number {
  return maxSemiSpaceMbOf[service] ?? defaultMaxSemiSpaceMb;
}

/**
 * How far the old generation may grow past what the last full GC kept before the next one, in percent. V8 otherwise
 * picks the factor from the heap limit, up to 4x on a large machine: with the young generation bounded, the
 * wallet's old space still grew to 73-96 MB of mostly garbage (~40-60 MB live after a full GC), so its peak RSS
 * varied from 188 to 260 MB between runs of bench/wallet_charges.ts. With 40 % four runs peaked at 182-189 MB,
 * throughput against the floor unchanged within the machine's noise. Unlike `--max-old-space-size` it is not a
 * limit: a heap that needs more (the risk engine's state grows with the residents) still gets it. 40 is the one
 * value tried (docs/capacity.md, "Memory per service"); node_flags.test.ts checks this Node still accepts it.
 */
export const heapGrowingPercent = 40;

/**
 * The services that run without Maglev, V8's middle tier between the baseline code and TurboFan. When load starts,
 * hundreds of functions pass Maglev's threshold (400 calls) within a second, and each compile job holds a zone of
 * its own (~140 KB, up to 1.7 MB) from the moment it is queued until the main thread, busy with the load, installs
 * its code: `--trace-zone-stats` caught 126 and 175 jobs alive at once in two transit processes under
 * bench/transit_taps.ts, 17.6 and 24.6 MB, which glibc gives back to the kernel a few milliseconds later, after the
 * process's peak RSS has counted them. Without Maglev, hot functions go from the baseline code to TurboFan, whose
 * queue is bounded (8 jobs). In four alternating pairs of that bench (2026-12-07) transit's peak RSS went from
 * 163.5-169.2 to 152.9-154.2 MB, its CPU per tap (median 400 -> 401 us), taps with 64 in flight and sequential p50
 * within the spread of runs of one variant (docs/capacity.md, "Maglev's compile bursts"); the tap floor server,
 * which runs with transit's flags, ran without Maglev too. Transit only: the other services peak below 150 MB, and
 * the wallet's latency goals are the tighter ones.
 */
const withoutMaglev: ReadonlySet<string> = new Set(['transit']);

/**
 * WebAssembly compiled by Liftoff, V8's baseline compiler for it, and never by TurboFan. The services run little
 * WebAssembly: the HTTP parser behind `fetch` (undici's llhttp: JWKS, the gate configuration's issuer keys, service
 * tokens) and the module lexer import-in-the-middle loads modules with. Without the flag V8 tiers llhttp up to
 * TurboFan after a handful of fetches, compiling its functions on background threads at once: a uprobe on V8's zone
 * allocator caught 41 MB of compile zones allocated within a second in transit under bench/transit_taps.ts, ~22 MB
 * alive together, at the first GetGateConfig's fetch of the issuer's keys; glibc gives them back within
 * milliseconds, after the peak RSS has counted them. It was what kept transit's peak above 150 MB once Maglev was
 * off (docs/capacity.md, "WebAssembly's tier-up"). `--no-wasm-tier-up` does not prevent this tiering; this flag
 * does. In a script of its own, five fetches peaked at 85 MB of RSS against 62 MB for one; 200 fetches peaked at
 * 97 MB, and at 77 MB with this flag. Liftoff's code is slower, which a few fetches a minute do not notice. Every
 * service gets it, fetching or not: where no WebAssembly runs it changes nothing.
 */
const wasmFlags = ['--liftoff-only'];

/** The flags, in order, between `node` and `--import` in `service`'s start command. */
export function serviceNodeFlags(service: string): string[] {
  return [
    `--max-semi-space-size=${String(maxSemiSpaceMb(service))}`,
    `--heap-growing-percent=${String(heapGrowingPercent)}`,
    ...(withoutMaglev.has(service) ? ['--no-maglev'] : []),
    ...wasmFlags,
  ];
}

/**
 * glibc's malloc arenas. Without a bound glibc gives a thread that finds the arenas busy one of its own (up to 8 per
 * core), and memory freed into an arena stays there for that arena's next malloc: it is neither returned to the
 * system nor lent to another thread. Besides the main thread, V8's background threads (compilation, GC) and libuv's
 * pool malloc. At transit's peak RSS under bench/transit_taps.ts its thread arenas held 10-18 MB (five, one of them
 * 10 MB) beside the main arena's ~20 MB, the wallet's under bench/wallet_charges.ts 9-11 MB; with 2 (the main arena
 * and one every other thread shares) they held 3-5 MB in every run, the main arena about as before. The benches'
 * peaks moved more with the machine's load than with this (transit 148, 148, 175 MB against 178, 157, 153 in runs
 * alternating with them; CPU per tap and per charge within the noise of load 8-16): docs/capacity.md, "glibc's
 * malloc arenas".
 */
export const mallocArenaMax = 2;

/**
 * The environment every service process starts with, beside its own configuration. glibc reads it once, at start,
 * so it cannot be a flag or be set from inside the process.
 */
export const serviceEnvironment: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: String(mallocArenaMax) };

/**
 * Where `npm run build` (scripts/build.ts, also run by `npm ci`'s postinstall) writes the services' JavaScript,
 * relative to the repository root. Services run from it, not from the .ts sources: Node's type stripping costs every
 * process ~35 MB of RSS for as long as it lives (its 3.8 MB bundle and a WebAssembly memory that grows to the largest
 * file stripped, 17 MB for the generated wallet.ts, and never shrinks), which is most of what separated the services
 * from 150 MB each (docs/capacity.md, "Memory per service"). Tests, benches and scripts still run the sources.
 */
export const buildDirectory = 'dist';

/**
 * The arguments after `node` that start `service` (its folder under services/): the flags above, then the service's
 * telemetry (loaded first, so gRPC and pg are instrumented) and its main, compiled. Paths start with `root`, the
 * repository's folder: `.` (the Deployments' and `npm start`'s working directory) or an absolute path.
 */
export function serviceArgs(service: string, root = '.'): string[] {
  const dir = `${root}/${buildDirectory}/services/${service}/src`;
  return [...serviceNodeFlags(service), '--import', `${dir}/telemetry.js`, `${dir}/main.js`];
}
