// The wallet's operator commands (`wallet:admin`: reads, and refunds for finance or admin operators): reconcile the books, and explain
// a risk decision.
import { walletReasons } from '@citypass/contracts';
import { isDomainError } from '@citypass/platform/errors';
import { RiskDecision } from '@citypass/proto/wallet/v1/wallet';
import { exitCodes } from './exit_codes.ts';
import type { Command, CommandContext } from './commands.ts';

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

const explainRisk: Command = {
  words: ['risk', 'explain'],
  usage: 'citypass risk explain <hold id or risk decision id>',
  summary: "how the wallet's risk engine decided a payment: outcome, score, top reasons and the feature values",
  options: {},
  positionals: 1,
  gateway: true,
  async run(context) {
    const id = context.positionals[0] ?? '';
    const decision = await decisionOf(context, id);
    const lines = [
      `${decision.outcome} (${decision.stage} step), score ${decision.score ?? 'none'}, rule set ${decision.ruleSetVersion}`,
      ...(decision.refusalReason === '' ? [] : [`refused ${decision.refusalReason} (${decision.ruleReason})`]),
      decision.explanation,
      ...decision.reasons.map(
        (reason) =>
          `  ${reason.ruleId} v${reason.ruleVersion} +${reason.points}: ${Object.entries(reason.features)
            .map(([name, value]) => `${name}=${value}`)
            .join(' ')}`,
      ),
      `decision ${decision.decisionId}${decision.holdId === '' ? '' : `, hold ${decision.holdId}`}`,
    ];
    // toJSON: the amount is an int64 (a string in JSON), and JSON.stringify refuses bigints.
    return context.out.result({ decision: RiskDecision.toJSON(decision) }, lines);
  },
};

/** The decision behind a hold, else the decision with that id. */
async function decisionOf(context: CommandContext, id: string): Promise<RiskDecision> {
  try {
    const { decision } = await context.wallet().getRiskDecision({ decisionId: '', holdId: id });
    if (decision !== undefined) return decision;
  } catch (error) {
    if (!(isDomainError(error) && error.reason === walletReasons.RISK_DECISION_NOT_FOUND)) throw error;
  }
  const { decision } = await context.wallet().getRiskDecision({ decisionId: id, holdId: '' });
  if (decision === undefined) throw new Error('the wallet answered without a decision');
  return decision;
}

export const walletCommands: readonly Command[] = [reconcile, explainRisk];
