// What a service's Prometheus endpoint tells a bench between two scrapes: the server-side duration of one gRPC
// method (bucket bounds) and the event-loop delay (the runtime metrics report the delay since the last scrape).

/** Cumulative counts of one method's server call durations by bucket upper bound (ms). */
export async function rpcHistogram(metricsPort: number, method: string): Promise<Map<number, number>> {
  const buckets = new Map<number, number>();
  for (const line of await scrape(metricsPort)) {
    if (!line.startsWith('rpc_server_duration') || !line.includes('_bucket{') || !line.includes(`${method}"`)) continue;
    const bound = /le="([^"]+)"/.exec(line)?.[1];
    if (bound === undefined) continue;
    const key = bound === '+Inf' ? Number.POSITIVE_INFINITY : Number(bound);
    buckets.set(key, (buckets.get(key) ?? 0) + valueOf(line));
  }
  return buckets;
}

/** Percentiles as bucket upper bounds of the calls between two scrapes, and the share done within 10 ms. */
export function histogramDiff(
  before: Map<number, number>,
  after: Map<number, number>,
): { p50: number; p99: number; within10: number } {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const cumulative = bounds.map((bound) => [bound, (after.get(bound) ?? 0) - (before.get(bound) ?? 0)] as const);
  const total = cumulative.at(-1)?.[1] ?? 0;
  const at = (share: number): number => cumulative.find(([, count]) => count >= share * total)?.[0] ?? Number.NaN;
  const within10 = (cumulative.find(([bound]) => bound === 10)?.[1] ?? Number.NaN) / total;
  return { p50: at(0.5), p99: at(0.99), within10 };
}

/**
 * The event-loop delay (ms) since the previous scrape, by quantile: scrape once before a phase (which starts a new
 * interval) and once after it.
 */
export async function eventLoopDelay(metricsPort: number): Promise<{ p50: number; p99: number; max: number }> {
  const found = { p50: Number.NaN, p99: Number.NaN, max: Number.NaN };
  for (const line of await scrape(metricsPort)) {
    if (!line.startsWith('citypass_runtime_event_loop_delay')) continue;
    const quantile = /quantile="(p50|p99|max)"/.exec(line)?.[1] as keyof typeof found | undefined;
    if (quantile !== undefined) found[quantile] = valueOf(line);
  }
  return found;
}

async function scrape(port: number): Promise<string[]> {
  return (await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()).split('\n');
}

function valueOf(line: string): number {
  return Number(line.slice(line.lastIndexOf(' ') + 1));
}

/** Garbage-collection pauses so far by kind (major, minor, incremental, weakcb): how many, and their total ms. */
export async function gcPauses(metricsPort: number): Promise<Map<string, { count: number; totalMs: number }>> {
  const found = new Map<string, { count: number; totalMs: number }>();
  for (const line of await scrape(metricsPort)) {
    if (!line.startsWith('citypass_runtime_gc_pause')) continue;
    const isCount = line.includes('_count{');
    if (!isCount && !line.includes('_sum{')) continue;
    const kind = /kind="([a-z]+)"/.exec(line)?.[1] ?? 'other';
    const entry = found.get(kind) ?? { count: 0, totalMs: 0 };
    if (isCount) entry.count += valueOf(line);
    else entry.totalMs += valueOf(line);
    found.set(kind, entry);
  }
  return found;
}
