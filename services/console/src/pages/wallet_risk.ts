// How the wallet's risk engine decided one authorization (GetRiskDecision, `wallet:admin`): by the hold it approved
// (linked from the holds table) or by the decision id a refusal named (RISK_DECLINED, STEP_UP_REQUIRED,
// RISK_BLOCKED). The outcome, the score, the top reasons with their points and the feature values behind them.
import type { Hono } from 'hono';
import { html } from 'hono/html';
import type { RiskDecision } from '@citypass/proto/wallet/v1/wallet';
import { asOperatorOnWallet, type ConsoleDeps, type ConsoleEnv } from '../deps.ts';
import { field, layout, type FieldError, type Html } from './layout.ts';
import { isFormRefusal } from './refusals.ts';

/** The page's address for a hold's decision (the holds table links each hold here). */
export function riskDecisionLink(holdId: string): string {
  return `/wallet/risk?${new URLSearchParams({ hold: holdId }).toString()}`;
}

function decisionTable(decision: RiskDecision): Html {
  const amount = decision.amount;
  return html`<table id="risk-decision"><caption>Risk decision <code>${decision.decisionId}</code></caption>
<tbody>
<tr><th scope="row">Outcome</th><td>${decision.outcome} (decided at the ${decision.stage} step)</td></tr>
<tr><th scope="row">Score</th><td>${decision.score === undefined ? 'none (a block rule decided)' : `${decision.score} of 99`}</td></tr>
<tr><th scope="row">Refusal</th><td>${decision.refusalReason === '' ? 'none' : html`<code>${decision.refusalReason}</code> (rule reason <code>${decision.ruleReason}</code>)`}</td></tr>
<tr><th scope="row">Explanation</th><td>${decision.explanation}</td></tr>
<tr><th scope="row">Service, merchant</th><td>${decision.service}, ${decision.merchant}${decision.stationId === '' ? '' : html` at station <code>${decision.stationId}</code>`}</td></tr>
<tr><th scope="row">Resident</th><td><code>${decision.residentId}</code></td></tr>
<tr><th scope="row">Amount</th><td>${amount?.amountMinor ?? 0n} (minor units) ${amount?.currency ?? ''}</td></tr>
<tr><th scope="row">Hold</th><td>${decision.holdId === '' ? 'none made' : html`<code>${decision.holdId}</code>`}</td></tr>
<tr><th scope="row">Rule set</th><td>${decision.ruleSetVersion}</td></tr>
<tr><th scope="row">Decided at</th><td>${decision.decidedAt?.toISOString() ?? ''}</td></tr>
</tbody></table>
<table id="risk-reasons"><caption>Top reasons (the deciding rule first)</caption>
<thead><tr><th scope="col">Rule</th><th scope="col">Version</th><th scope="col">Points</th><th scope="col">Features</th><th scope="col">In words</th></tr></thead>
<tbody>${decision.reasons.map(
    (reason) =>
      html`<tr><td><code>${reason.ruleId}</code></td><td>${reason.ruleVersion}</td><td>${reason.points}</td><td>${Object.entries(
        reason.features,
      ).map(([name, value]) => html`<code>${name}</code> = ${value} `)}</td><td>${reason.explanation}</td></tr>`,
  )}</tbody></table>`;
}

export function addRiskDecisionPage(app: Hono<ConsoleEnv>, deps: ConsoleDeps): void {
  app.get('/wallet/risk', async (c) => {
    const session = c.get('session');
    const holdId = (c.req.query('hold') ?? '').trim();
    const decisionId = (c.req.query('decision') ?? '').trim();
    let errors: Record<string, FieldError> = {};
    let decision: RiskDecision | undefined;
    if (holdId !== '' || decisionId !== '') {
      try {
        decision = (await deps.wallet.getRiskDecision({ decisionId, holdId }, await asOperatorOnWallet(deps, session)))
          .decision;
      } catch (error) {
        if (!isFormRefusal(error)) throw error;
        errors = { decision: { message: error.message, reason: error.reason } };
      }
    }
    const body = html`<form method="get" action="/wallet/risk">
${field('decision', 'Risk decision id (named in a refusal)', decisionId, errors.decision, 'required autocomplete="off"')}
<p><button>Explain</button></p>
</form>
${decision === undefined ? '' : decisionTable(decision)}`;
    return c.html(layout('Risk decision', session, body, '/wallet'), Object.keys(errors).length === 0 ? 200 : 422);
  });
}
