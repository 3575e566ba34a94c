// The wallet's operator command: reconcile the books (`wallet:admin`, which reads and moves no money).
import { exitCodes } from './exit_codes.ts';
import type { Command } from './commands.ts';

const reconcile: Command = {
  words: ['reconcile'],
  usage: 'citypass reconcile',
  summary: "check the wallet's books on one snapshot; exits 4 when a check finds a break (each is listed)",
  options: {},
  positionals: 0,
  gateway: true,
  async run(context) {
    const stop = context.out.progress('checking the books');
    let report: Awaited<ReturnType<ReturnType<typeof context.wallet>['getReconciliationReport']>>;
    try {
      // Long on a large ledger: every row is read. The wallet keeps the snapshot; nothing waits on it but us.
      report = await context.wallet().getReconciliationReport({}, { deadlineMs: Date.now() + 10 * 60_000 });
    } finally {
      stop();
    }
    const broken = report.checks.filter((check) => check.breaks > 0);
    const lines = [
      ...report.checks.map((check) => `${check.breaks === 0 ? 'ok   ' : 'BREAK'} ${check.name}`),
      ...broken.flatMap((check) => [
        '',
        `${check.name}: ${check.breaks} break(s), for example:`,
        ...check.examples.map((example) => `  ${example}`),
      ]),
      '',
      report.inOrder
        ? `the books are in order (${report.checks.length} checks)`
        : `${broken.length} of ${report.checks.length} checks found breaks`,
    ];
    return context.out.result(
      { inOrder: report.inOrder, checkedAt: report.checkedAt?.toISOString() ?? '', checks: report.checks },
      lines,
      report.inOrder ? exitCodes.ok : exitCodes.findings,
    );
  },
};

export const walletCommands: readonly Command[] = [reconcile];
