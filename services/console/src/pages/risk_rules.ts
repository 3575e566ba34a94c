// The wallet's risk rule sets (issue 13): the live one and the candidate running in shadow beside it, the
// candidate's shadow report (what it would have declined or approved, since it started and over recent decisions),
// a form to put a candidate (the rule set's JSON, starting from the live one) and one to promote it. Promoting is
// dangerous: an operator whose last sign-in is older than CONSOLE_REAUTH_MAX_AGE_S signs in again first
// (max_age=0), then confirms. Putting a candidate changes nothing live, so it asks for no new sign-in. The wallet
// refuses bad input (RISK_RULE_SET_INVALID, RISK_SHADOW_*), shown next to the form it came from.
import type { Hono } from 'hono';
import { html } from 'hono/html';
import type {
  GetRiskRuleSetsResponse,
  GetRiskShadowReportResponse,
  RiskRuleSet,
  RiskShadowTally,
} from '@citypass/proto/wallet/v1/risk_rule_sets';
import { asOperatorOnWallet, type ConsoleDeps, type ConsoleEnv } from '../deps.ts';
import type { Session } from '../sessions.ts';
import { alert, csrfField, layout, notice, type FieldError, type Html } from './layout.ts';
import { isFormRefusal } from './refusals.ts';

const path = '/wallet/risk/rules';

interface PageParts {
  readonly title?: string;
  readonly notice?: string;
  /** The rule set JSON as the operator sent it (else the live one, the template for the next). */
  readonly ruleSetJson?: string;
  readonly putError?: FieldError;
  readonly promoteError?: FieldError;
  /** On the confirm page: the promote form alone, after the report, for the version the operator asked for. */
  readonly confirming?: { readonly version: string };
}

function ruleSetRow(role: string, ruleSet: RiskRuleSet | undefined): Html {
  if (ruleSet === undefined) return html`<tr><th scope="row">${role}</th><td colspan="4">none</td></tr>`;
  const put = ruleSet.builtIn ? 'built in' : `${ruleSet.createdAt?.toISOString() ?? ''} by ${ruleSet.createdBy}`;
  const promoted =
    ruleSet.promotedAt === undefined ? '' : `${ruleSet.promotedAt.toISOString()} by ${ruleSet.promotedBy}`;
  return html`<tr><th scope="row">${role}</th><td><code>${ruleSet.version}</code></td><td>${ruleSet.ruleCount}</td><td>${put}</td><td>${promoted}</td></tr>`;
}

function ruleSetsTable(sets: GetRiskRuleSetsResponse): Html {
  return html`<table id="risk-rule-sets">
<caption>Rule sets (the wallet instance that answered decides with <code>${sets.instanceLiveVersion}</code>${
    sets.instanceCandidateVersion === '' ? '' : html` and shadows <code>${sets.instanceCandidateVersion}</code>`
  })</caption>
<thead><tr><th scope="col">Role</th><th scope="col">Version</th><th scope="col">Rules</th><th scope="col">Put</th><th scope="col">Promoted</th></tr></thead>
<tbody>${ruleSetRow('Live', sets.live)}${ruleSetRow('Candidate (in shadow)', sets.candidate)}</tbody>
</table>`;
}

const tallyRows: readonly (readonly [string, (tally: RiskShadowTally) => string])[] = [
  ['Payments decided', (tally) => String(tally.decisions)],
  ['Decided alike', (tally) => String(tally.same)],
  [
    'Would decline (live did not)',
    (tally) =>
      `${tally.wouldDecline}${
        Object.keys(tally.wouldDeclineByRule).length === 0
          ? ''
          : ` (${Object.entries(tally.wouldDeclineByRule)
              .map(([rule, count]) => `${rule}: ${count}`)
              .join(', ')})`
      }`,
  ],
  ['Would approve (live refused or sent to review)', (tally) => String(tally.wouldApprove)],
  ['Would ask to confirm (step up)', (tally) => String(tally.wouldStepUp)],
  ['Would send to review', (tally) => String(tally.wouldReview)],
  ['Declines by the candidate', (tally) => String(tally.candidateDeclines)],
  ['Declines by live', (tally) => String(tally.liveDeclines)],
];

function shadowTable(report: GetRiskShadowReportResponse): Html {
  const cell = (tally: RiskShadowTally | undefined, value: (tally: RiskShadowTally) => string): string =>
    tally === undefined ? '0' : value(tally);
  return html`<table id="shadow-report">
<caption>Candidate <code>${report.candidateVersion}</code> beside live <code>${report.liveVersion}</code></caption>
<thead><tr><th scope="col">What it would have done</th><th scope="col">In shadow since ${report.startedAt?.toISOString() ?? ''}</th><th scope="col">Over the newest ${report.backtestLimit} stored decisions (and ${report.backtestTaps} gate taps)</th></tr></thead>
<tbody>${tallyRows.map(
    ([label, value]) =>
      html`<tr><th scope="row">${label}</th><td>${cell(report.shadow, value)}</td><td>${cell(report.backtest, value)}</td></tr>`,
  )}</tbody>
</table>
<p id="promotion-limits">Promotion needs at least ${report.minDecisions} payments decided in shadow, and would-be declines of at most ${report.maxDeclineShare * 100} % of them.</p>`;
}

function promoteForm(session: Session, version: string, error: FieldError | undefined): Html {
  return html`${error === undefined ? '' : alert(error)}
<form method="post" action="${path}/promote">
${csrfField(session)}
<input type="hidden" name="version" value="${version}">
<p>Every wallet instance decides with it within a poll interval. You may be asked to sign in again first.</p>
<p><button>Promote ${version}</button></p>
</form>`;
}

function putForm(session: Session, ruleSetJson: string, error: FieldError | undefined): Html {
  return html`<form method="post" action="${path}/candidate" enctype="multipart/form-data">
${csrfField(session)}
<div class="field"><label for="rule_set_json">Rule set (JSON: a new version, thresholds, rules)</label>
<textarea id="rule_set_json" name="rule_set_json" rows="20" cols="100" spellcheck="false" required${
    error === undefined ? '' : html` aria-invalid="true" aria-describedby="rule_set_json-error"`
  }>${ruleSetJson}</textarea>
${error === undefined ? '' : html`<p class="error" id="rule_set_json-error">${error.message} <code>${error.reason}</code></p>`}
</div>
<p><button>Start in shadow</button></p>
</form>`;
}

async function rulesPage(deps: ConsoleDeps, session: Session, parts: PageParts): Promise<Html> {
  const call = await asOperatorOnWallet(deps, session);
  const sets = await deps.wallet.getRiskRuleSets({}, call);
  const candidate = sets.candidate;
  const report = candidate === undefined ? undefined : await deps.wallet.getRiskShadowReport({}, call);
  const template = sets.live === undefined ? '' : JSON.stringify(JSON.parse(sets.live.ruleSetJson), null, 2);
  const body = html`${parts.notice === undefined ? '' : notice(parts.notice)}
${ruleSetsTable(sets)}
<section aria-labelledby="shadow-heading">
<h2 id="shadow-heading">Shadow report</h2>
${
  candidate === undefined || report === undefined
    ? html`<p>No candidate runs in shadow.</p>${parts.promoteError === undefined ? '' : alert(parts.promoteError)}`
    : html`${shadowTable(report)}${promoteForm(session, parts.confirming?.version ?? candidate.version, parts.promoteError)}`
}
</section>
${
  parts.confirming !== undefined
    ? ''
    : html`<section aria-labelledby="put-heading">
<h2 id="put-heading">Put a candidate</h2>
<p>Starts from the live rule set: give it a new version. It decides in shadow beside live, on the same payments, and changes nothing live until it is promoted.</p>
${putForm(session, parts.ruleSetJson ?? template, parts.putError)}
</section>`
}`;
  return layout(parts.title ?? 'Risk rule sets', session, body, '/wallet');
}

function refusalOf(error: { message: string; reason: string }): FieldError {
  return { message: error.message, reason: error.reason };
}

export function addRiskRulePages(app: Hono<ConsoleEnv>, deps: ConsoleDeps): void {
  app.get(path, async (c) => {
    const put = c.req.query('put');
    const promoted = c.req.query('promoted');
    const message =
      put !== undefined
        ? `Candidate ${put} runs in shadow.`
        : promoted !== undefined
          ? `${promoted} is live${c.req.query('already') === undefined ? '' : ' (it already was)'}.`
          : undefined;
    return c.html(await rulesPage(deps, c.get('session'), message === undefined ? {} : { notice: message }));
  });
  app.post(`${path}/candidate`, async (c) => {
    const session = c.get('session');
    const body = await c.req.parseBody();
    const ruleSetJson = typeof body.rule_set_json === 'string' ? body.rule_set_json : '';
    try {
      const { candidate } = await deps.wallet.putRiskRuleSetCandidate(
        { ruleSetJson },
        await asOperatorOnWallet(deps, session),
      );
      return c.redirect(`${path}?${new URLSearchParams({ put: candidate?.version ?? '' }).toString()}`, 303);
    } catch (error) {
      if (!isFormRefusal(error)) throw error;
      return c.html(await rulesPage(deps, session, { ruleSetJson, putError: refusalOf(error) }), 422);
    }
  });
  app.get(`${path}/confirm`, async (c) => {
    const session = c.get('session');
    const pending = session.pendingRiskPromotion;
    if (pending === undefined)
      return c.html(layout('Nothing to confirm', session, html`<p><a href="${path}">Risk rule sets</a></p>`));
    return c.html(await rulesPage(deps, session, { title: 'Confirm the promotion', confirming: pending }));
  });
  app.post(`${path}/promote`, async (c) => {
    const session = c.get('session');
    const body = await c.req.parseBody();
    const version = typeof body.version === 'string' ? body.version.trim() : '';
    const signedIn = session.signedIn;
    if (signedIn === undefined) return c.redirect('/signin', 303);
    if (deps.now() - signedIn.authTimeMs > deps.config.CONSOLE_REAUTH_MAX_AGE_S * 1000) {
      await deps.sessions.change(session, (data) => {
        data.pendingRiskPromotion = { version };
      });
      return c.redirect(`/signin?fresh=1&return=${encodeURIComponent(`${path}/confirm`)}`, 303);
    }
    try {
      const promoted = await deps.wallet.promoteRiskRuleSet({ version }, await asOperatorOnWallet(deps, session));
      await deps.sessions.change(session, (data) => {
        delete data.pendingRiskPromotion;
      });
      const done = new URLSearchParams({ promoted: version, ...(promoted.promoted ? {} : { already: '1' }) });
      return c.redirect(`${path}?${done.toString()}`, 303);
    } catch (error) {
      if (!isFormRefusal(error)) throw error;
      return c.html(await rulesPage(deps, session, { promoteError: refusalOf(error) }), 422);
    }
  });
}
