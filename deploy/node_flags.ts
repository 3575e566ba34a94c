// The V8 flags every citypass service process starts with. They appear in each Deployment's container command
// (deploy/k8s/base/<service>/deployment.yaml), each service's `npm start`, the root `npm start` (scripts/start.ts)
// and test/support/service_process.ts (the system tests and benches), so what the benches measure is what runs;
// deploy/k8s/node_flags.test.ts checks the Deployments and `npm start`s against this list.

/**
 * The young generation's semi-space, in MB. V8 otherwise sizes it from the heap limit, which it derives from the
 * machine's (or the container's) memory: on a 24 GB machine the wallet's new space grew to 134 MB (two 64 MB
 * semi-spaces, every page of them touched and so resident) under bench/wallet_charges.ts, while the live objects a
 * scavenge keeps were a few MB. 16 MB (V8's fixed maximum before it scaled with the heap) held the wallet's peak
 * RSS there at ~190 MB instead of ~310 MB with throughput unchanged within the machine's noise; 8 MB saved no
 * more, and 2-4 MB promoted short-lived objects to the old generation and raised RSS (docs/capacity.md, "Memory").
 */
export const maxSemiSpaceMb = 16;

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

/** The flags, in order, between `node` and `--import` in every service's start command. */
export const serviceNodeFlags: readonly string[] = [
  `--max-semi-space-size=${String(maxSemiSpaceMb)}`,
  `--heap-growing-percent=${String(heapGrowingPercent)}`,
];
