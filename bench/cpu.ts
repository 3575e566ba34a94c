// CPU time spent by the processes a bench drives (a service, PostgreSQL's backends for the bench's database,
// nats-server), read from /proc, so a bench can say how many CPU microseconds each part of the system spends per
// operation. Those per-operation costs are what scripts/capacity.ts turns into instance counts for a city.
// Linux only; elsewhere every reading is 0 and the figures say so (value null).
import { readdirSync, readFileSync } from 'node:fs';

const ticksPerSecond = 100; // USER_HZ: 100 on every Linux this project runs on (getconf CLK_TCK)

/** The command lines of all processes, by pid (processes that end while we look are skipped). */
function processes(): Map<number, string> {
  const found = new Map<number, string>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return found;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      found.set(Number(entry), readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ').trim());
    } catch {
      // gone already
    }
  }
  return found;
}

/** User + system CPU milliseconds of one process so far; 0 if it has ended. */
function cpuMsOf(pid: number): number {
  try {
    // The command name (field 2) may hold spaces and parentheses: the fields we want follow the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond; // utime, stime
  } catch {
    return 0;
  }
}

export interface CpuMeter {
  /** CPU milliseconds the selected processes have used so far (processes are looked up again at each read). */
  read(): number;
}

/** The processes whose command line `select` accepts, e.g. a service's pid or a database's backends. */
export function cpuOf(select: (pid: number, commandLine: string) => boolean): CpuMeter {
  return {
    read() {
      let total = 0;
      for (const [pid, commandLine] of processes()) if (select(pid, commandLine)) total += cpuMsOf(pid);
      return total;
    },
  };
}

/**
 * PostgreSQL's work for one database: its backends (their title names the database) plus the shared WAL writer,
 * which flushes every commit. Backends that end during a phase take their CPU with them: keep pools open.
 */
export function postgresCpuOf(databaseName: string): CpuMeter {
  return cpuOf(
    (_pid, commandLine) =>
      commandLine.startsWith('postgres: ') &&
      (commandLine.includes(` ${databaseName} `) || commandLine.endsWith('walwriter')),
  );
}

/** The nats-server listening on `port` (its command line names the port). */
export function natsCpuOf(port: number): CpuMeter {
  return cpuOf(
    (_pid, commandLine) => /(^|\/)nats-server /.test(commandLine) && new RegExp(`-p ${port}( |$)`).test(commandLine),
  );
}

export const processCpuOf = (pid: number): CpuMeter => cpuOf((candidate) => candidate === pid);

/** This process (the load generator). */
export const ownCpu: CpuMeter = {
  read() {
    const usage = process.cpuUsage();
    return (usage.user + usage.system) / 1000;
  },
};

/** One phase's CPU per operation for each named part, as figures (bench lines) scripts/capacity.ts reads. */
export function cpuPerOperation(meters: Readonly<Record<string, CpuMeter>>): {
  end(bench: string, operation: string, ops: number): CpuFigure[];
} {
  const start = Object.fromEntries(Object.entries(meters).map(([part, meter]) => [part, meter.read()]));
  return {
    end(bench, operation, ops) {
      return Object.entries(meters).map(([part, meter]) => {
        const usedMs = meter.read() - (start[part] ?? 0);
        return {
          bench,
          metric: `cpu_per_${operation.replaceAll(/\W+/g, '_')}`,
          // /proc counts in 10 ms ticks: too few operations or a part that is not there (not Linux) say nothing.
          value: ops > 0 && usedMs > 0 ? Math.round((usedMs * 1000) / ops) : null,
          unit: 'us/op',
          part,
          operation,
          ops,
        };
      });
    },
  };
}

/** The floor fields of a CPU figure: accounting for scripts/capacity.ts, not a cost with a floor of its own. */
export const cpuAccounting = {
  floor: null,
  floor_missing: 'CPU accounting per part for scripts/capacity.ts; the floors are on the latency and rate figures',
} as const;

export type CpuFigure = {
  readonly bench: string;
  readonly metric: string;
  readonly value: number | null;
  readonly unit: 'us/op';
  readonly part: string;
  readonly operation: string;
  readonly ops: number;
};
