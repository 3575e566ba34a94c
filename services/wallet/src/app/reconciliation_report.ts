// Query for operators: the ledger's books checked from the rows themselves (the checks are store/reconciliation.ts).
// The books are in order when no check finds a break.

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

export async function reconciliationReport(books: ReconciliationChecks): Promise<ReconciliationReport> {
  const checks = await books.run();
  return { ok: checks.every((check) => check.breaks === 0), checks };
}
