// Query for operators: the ledger's books checked from the rows themselves (the checks are store/reconciliation.ts).
// The books are in order when no check finds a break. Every run is kept (reconciliation_runs), so the last one
// and any break are shown without scanning the ledger again.
import { randomUUID } from 'node:crypto';
import type {
  ReconciliationCheck as CheckMessage,
  ListReconciliationRunsResponse,
} from '@citypass/proto/wallet/v1/wallet';
import { checkPageSize, decodePageToken, nextPageToken } from './page_token.ts';

export interface ReconciliationCheck {
  readonly name: string;
  readonly breaks: number;
  readonly examples: readonly string[];
}

export interface ReconciliationChecks {
  run(): Promise<readonly ReconciliationCheck[]>;
}

export interface ReconciliationReport {
  readonly ok: boolean;
  readonly checks: readonly ReconciliationCheck[];
}

/** One reconciliation that ran: its report, when, how long it took and who asked. */
export interface ReconciliationRun extends ReconciliationReport {
  readonly id: string;
  readonly checkedAt: Date;
  readonly durationMs: number;
  /** 'scheduled', 'operator:<username>' or 'client:<client id>'. */
  readonly ranBy: string;
}

export async function reconciliationReport(books: ReconciliationChecks): Promise<ReconciliationReport> {
  const checks = await books.run();
  return { ok: checks.every((check) => check.breaks === 0), checks };
}

export interface ReconciliationStore {
  /** Runs `work` on the books as one read-only snapshot, so traffic meanwhile cannot make them look unbalanced. */
  books<T>(work: (books: ReconciliationChecks) => Promise<T>): Promise<T>;
  record(run: ReconciliationRun): Promise<void>;
  /** Runs newest first, after `before` (the last of the previous page). */
  list(before: { at: string; id: string } | undefined, limit: number): Promise<ReconciliationRun[]>;
}

/** Checks the books and keeps the run: what the daily job and an operator's "check now" both do. */
export async function reconcileAndRecord(
  store: ReconciliationStore,
  ranBy: string,
  now: () => number = Date.now,
): Promise<ReconciliationRun> {
  const started = now();
  const report = await store.books(reconciliationReport);
  const run: ReconciliationRun = {
    ...report,
    id: randomUUID(),
    checkedAt: new Date(started),
    durationMs: Math.max(0, Math.round(now() - started)),
    ranBy,
  };
  await store.record(run);
  return run;
}

/** Operator query: the runs kept, newest first, in keyset pages. */
export async function listReconciliationRuns(
  store: ReconciliationStore,
  pageSize: number,
  pageToken: string,
): Promise<ListReconciliationRunsResponse> {
  const limit = checkPageSize(pageSize);
  const runs = await store.list(decodePageToken(pageToken), limit);
  const last = runs.at(-1);
  return {
    runs: runs.map((run) => ({
      runId: run.id,
      checkedAt: run.checkedAt,
      durationMs: run.durationMs,
      inOrder: run.ok,
      checks: checksOf(run),
      ranBy: run.ranBy,
    })),
    nextPageToken: nextPageToken(runs.length, limit, last?.checkedAt, last?.id),
  };
}

export function checksOf(report: ReconciliationReport): CheckMessage[] {
  return report.checks.map((check) => ({ ...check, examples: [...check.examples] }));
}
