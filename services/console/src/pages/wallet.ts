// The wallet, read with the operator's own `wallet:admin` (which moves money only back, as refunds): a service's
// merchant balance, its holds (keyset pages, by status), its settlement report for a day (and as CSV), the
// authorizations declined on a day per service and reason, the ledger's reconciliation (the runs the wallet kept; an
// operator may check again), and the risk engine's decision behind a hold or a decline (wallet_risk.ts); each hold
// links to its page, where finance and admin operators refund a captured one (refund.ts).
import type { Context, Hono } from 'hono';
import { html } from 'hono/html';
import { decimalText, knownCurrencyExponent } from '@citypass/platform/money';
import type { GetSettlementReportResponse, Hold, ReconciliationRun } from '@citypass/proto/wallet/v1/wallet';
import { csvText } from '../csv.ts';
import { asOperatorOnWallet, type ConsoleDeps, type ConsoleEnv } from '../deps.ts';
import type { Session } from '../sessions.ts';
import { alert, csrfField, field, layout, type FieldError, type Html } from './layout.ts';
import { fieldErrors, isFormRefusal } from './refusals.ts';
import { addRefundPages, holdLink } from './refund.ts';
import { addRiskDecisionPage, riskDecisionLink } from './wallet_risk.ts';
import { addRiskRulePages } from './risk_rules.ts';

const pageSize = 25;
const iso = (at: Date | undefined): string => at?.toISOString() ?? '';
const statuses = ['', 'pending', 'captured', 'voided', 'expired'] as const;

interface WalletQuery {
  readonly service: string;
  readonly currency: string;
  readonly date: string;
  readonly status: string;
  readonly page: string;
}

/** A merchant-scoped operator's service is their own unless they name another (the wallet refuses that). */
function queryOf(c: Context<ConsoleEnv>, deps: ConsoleDeps): WalletQuery {
  const value = (name: string): string => (c.req.query(name) ?? '').trim();
  return {
    service: value('service') || (c.get('session').signedIn?.scope.merchant ?? ''),
    currency: value('currency').toUpperCase() || 'EUR',
    date: value('date') || new Date(deps.now()).toISOString().slice(0, 10),
    status: value('status'),
    page: value('page'),
  };
}

/** Money as its exact decimal with the currency (minor units as they are when the currency is not a known one). */
function money(amountMinor: bigint, currency: string): string {
  return knownCurrencyExponent(currency) === undefined
    ? `${amountMinor} (minor units) ${currency}`
    : `${decimalText(amountMinor, currency)} ${currency}`;
}

function link(path: string, query: Partial<WalletQuery>): string {
  const parameters = Object.entries(query).filter((entry): entry is [string, string] => entry[1] !== '');
  return `${path}?${new URLSearchParams(parameters).toString()}`;
}

function serviceForm(query: WalletQuery, errors: Record<string, FieldError>, action = '/wallet'): Html {
  return html`<form method="get" action="${action}">
${errors.form === undefined ? '' : alert(errors.form)}
${field('service', 'Service (its client id)', query.service, errors.service, 'required autocomplete="off"')}
${field('currency', 'Currency', query.currency, errors.currency, 'required maxlength="3" autocomplete="off"')}
${field('date', 'Day (UTC) of the settlement report', query.date, errors.date, 'type="date" required')}
<p><button>Show</button></p>
</form>`;
}

function holdRows(holds: readonly Hold[]): Html {
  return html`${holds.map(
    (hold) =>
      html`<tr><td><a href="${holdLink(hold.holdId, hold.service)}"><code>${hold.holdId}</code></a></td><td>${hold.status}</td><td>${money(
        hold.amount?.amountMinor ?? 0n,
        hold.amount?.currency ?? '',
      )}</td><td>${money(hold.capturedMinor, hold.amount?.currency ?? '')}</td><td>${money(
        hold.refundedMinor,
        hold.amount?.currency ?? '',
      )}</td><td>${hold.createdAt?.toISOString() ?? ''}</td><td>${hold.reference}</td><td><a href="${riskDecisionLink(
        hold.holdId,
      )}">Explain</a></td></tr>`,
  )}`;
}

function settlementTable(report: GetSettlementReportResponse, query: WalletQuery): Html {
  return html`<table id="settlement">
<caption>Settlement of ${report.service} on ${report.date} (UTC) in ${report.currency}</caption>
<tbody>
<tr><th scope="row">Captured</th><td>${money(report.capturedMinor, report.currency)} (${report.captures} captures)</td></tr>
<tr><th scope="row">Refunded</th><td>${money(report.refundedMinor, report.currency)} (${report.refunds} refunds)</td></tr>
<tr><th scope="row">Net</th><td>${money(report.netMinor, report.currency)}</td></tr>
</tbody></table>
<p><a href="${link('/wallet/settlement.csv', { service: query.service, currency: query.currency, date: query.date })}" download>Download the settlement report as CSV</a></p>`;
}

async function servicePage(deps: ConsoleDeps, session: Session, query: WalletQuery): Promise<[Html, number]> {
  if (query.service === '')
    return [layout('Wallet', session, html`${serviceForm(query, {})}${otherPages(query)}`, '/wallet'), 200];
  const call = await asOperatorOnWallet(deps, session);
  let body: Html;
  try {
    // The day's settlement report sums every capture and refund of the day: its own page, asked for by day, so
    // browsing holds never waits for it (bench/console_lists.ts: ~45 ms at 80,000 captures a day).
    const [balance, holds] = await Promise.all([
      deps.wallet.getBalance({ residentId: '', currency: query.currency, service: query.service }, call),
      deps.wallet.listHolds({ status: query.status, pageSize, pageToken: query.page, service: query.service }, call),
    ]);
    const currency = balance.balance?.currency ?? query.currency;
    body = html`${serviceForm(query, {})}
<h2>Merchant account</h2>
<p>Balance of <strong>${query.service}</strong>: <span id="balance">${money(balance.balance?.amountMinor ?? 0n, currency)}</span>
(takings less refunds; nothing is reserved on a merchant account).</p>
<p><a id="settlement-link" href="${link('/wallet/settlement', { service: query.service, currency: query.currency, date: query.date })}">Settlement report of ${query.date} (UTC)</a></p>
<h2>Holds</h2>
<form method="get" action="/wallet" hx-get="/wallet" hx-target="#holds" hx-select="#holds" hx-swap="outerHTML" hx-push-url="true">
<input type="hidden" name="service" value="${query.service}"><input type="hidden" name="currency" value="${query.currency}"><input type="hidden" name="date" value="${query.date}">
<div class="field"><label for="status">Status</label>
<select id="status" name="status">${statuses.map(
      (status) =>
        html`<option value="${status}"${status === query.status ? ' selected' : ''}>${status || 'all'}</option>`,
    )}</select></div>
<p><button>Filter holds</button></p>
</form>
<section id="holds" aria-label="Holds">
${
  holds.holds.length === 0
    ? html`<p>No holds.</p>`
    : html`<table><caption>Newest first</caption>
<thead><tr><th scope="col">Hold</th><th scope="col">Status</th><th scope="col">Amount</th><th scope="col">Captured</th><th scope="col">Refunded</th><th scope="col">Created</th><th scope="col">Reference</th><th scope="col">Risk decision</th></tr></thead>
<tbody>${holdRows(holds.holds)}</tbody></table>`
}
${holds.nextPageToken === '' ? '' : html`<p><a rel="next" href="${link('/wallet', { ...query, page: holds.nextPageToken })}">Older holds</a></p>`}
</section>
${otherPages(query)}`;
  } catch (error) {
    if (!isFormRefusal(error)) throw error;
    return [
      layout('Wallet', session, html`${serviceForm(query, fieldErrors(error))}${otherPages(query)}`, '/wallet'),
      422,
    ];
  }
  return [layout(`Wallet: ${query.service}`, session, body, '/wallet'), 200];
}

function otherPages(query: WalletQuery): Html {
  return html`<h2>Across services</h2>
<ul>
<li><a href="${link('/wallet/declines', { date: query.date, service: query.service })}">Declines by reason on ${query.date}</a></li>
<li><a href="/wallet/reconciliation">Reconciliation: the last runs of the ledger's checks</a></li>
<li><a href="/wallet/risk">Explain a risk decision (a decline's decision id)</a></li>
<li><a href="/wallet/risk/rules">Risk rule sets: live, candidate in shadow, promotion</a></li>
</ul>`;
}

export function addWalletPages(app: Hono<ConsoleEnv>, deps: ConsoleDeps): void {
  addRiskDecisionPage(app, deps);
  addRefundPages(app, deps);
  addRiskRulePages(app, deps);
  app.get('/wallet', async (c) => {
    const [page, status] = await servicePage(deps, c.get('session'), queryOf(c, deps));
    return c.html(page, status === 200 ? 200 : 422);
  });

  app.get('/wallet/settlement', async (c) => {
    const session = c.get('session');
    const query = queryOf(c, deps);
    if (query.service === '')
      return c.html(layout('Settlement report', session, serviceForm(query, {}, '/wallet/settlement'), '/wallet'));
    try {
      const report = await deps.wallet.getSettlementReport(
        { date: query.date, currency: query.currency, service: query.service },
        await asOperatorOnWallet(deps, session),
      );
      return await c.html(
        layout(
          `Settlement report: ${query.service}`,
          session,
          html`${serviceForm(query, {}, '/wallet/settlement')}${settlementTable(report, query)}
<p><a href="${link('/wallet', { service: query.service, currency: query.currency, date: query.date })}">The service's balance and holds</a></p>`,
          '/wallet',
        ),
      );
    } catch (error) {
      if (!isFormRefusal(error)) throw error;
      return c.html(
        layout('Settlement report', session, serviceForm(query, fieldErrors(error), '/wallet/settlement'), '/wallet'),
        422,
      );
    }
  });

  app.get('/wallet/settlement.csv', async (c) => {
    const query = queryOf(c, deps);
    const report = await deps.wallet.getSettlementReport(
      { date: query.date, currency: query.currency, service: query.service },
      await asOperatorOnWallet(deps, c.get('session')),
    );
    const csv = csvText([
      ['service', 'date', 'currency', 'captured', 'refunded', 'net', 'captures', 'refunds'],
      [
        report.service,
        report.date,
        report.currency,
        decimalText(report.capturedMinor, report.currency),
        decimalText(report.refundedMinor, report.currency),
        decimalText(report.netMinor, report.currency),
        String(report.captures),
        String(report.refunds),
      ],
    ]);
    const filename = `settlement-${report.service}-${report.date}-${report.currency}.csv`;
    return c.body(csv, 200, {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="${filename}"`,
    });
  });

  app.get('/wallet/declines', async (c) => {
    const session = c.get('session');
    const query = queryOf(c, deps);
    let errors: Record<string, FieldError> = {};
    let rows: { service: string; reason: string; count: bigint }[] = [];
    try {
      const listed = await deps.wallet.listDeclines({ date: query.date }, await asOperatorOnWallet(deps, session));
      rows = listed.declines.filter((each) => query.service === '' || each.service === query.service);
    } catch (error) {
      if (!isFormRefusal(error)) throw error;
      errors = fieldErrors(error);
    }
    return c.html(
      layout(
        'Declines by reason',
        session,
        html`<form method="get" action="/wallet/declines">
${field('date', 'Day (UTC)', query.date, errors.date ?? errors.form, 'type="date" required')}
${field('service', 'Service (empty: all)', query.service, undefined, 'autocomplete="off"')}
<p><button>Show</button></p>
</form>
${
  rows.length === 0
    ? html`<p id="no-declines">No authorization was declined${query.service === '' ? '' : html` for ${query.service}`} on ${query.date}.</p>`
    : html`<table id="declines"><caption>Authorizations declined on ${query.date} (UTC), most first</caption>
<thead><tr><th scope="col">Service</th><th scope="col">Reason</th><th scope="col">Declines</th></tr></thead>
<tbody>${rows.map((row) => html`<tr><td>${row.service}</td><td><code>${row.reason}</code></td><td>${row.count}</td></tr>`)}</tbody></table>`
}
<p>Counted by the wallet as it declines (written about once a second).</p>`,
        '/wallet',
      ),
      Object.keys(errors).length === 0 ? 200 : 422,
    );
  });

  // The runs the wallet kept (the daily job's and operators'): the last one's checks, then earlier runs in pages.
  // Checking again is a POST: it scans the whole ledger, so a link a crawler or a prefetch follows must not start it.
  app.get('/wallet/reconciliation', async (c) => {
    const session = c.get('session');
    const page = c.req.query('page') ?? '';
    const { runs, nextPageToken } = await deps.wallet.listReconciliationRuns(
      { pageSize: pageSize, pageToken: page },
      await asOperatorOnWallet(deps, session),
    );
    const [last] = runs;
    const breaks = last?.checks.filter((check) => check.breaks > 0) ?? [];
    const verdict = (run: ReconciliationRun): string =>
      run.inOrder ? 'in order' : `${run.checks.filter((check) => check.breaks > 0).length} checks found breaks`;
    return c.html(
      layout(
        'Reconciliation',
        session,
        html`${
          page !== ''
            ? ''
            : last === undefined
              ? html`<p id="reconciliation-status" role="status">The books have not been checked yet.</p>`
              : html`<p id="reconciliation-status" role="status">Last checked at ${iso(last.checkedAt)} by ${last.ranBy} (${last.durationMs} ms): the books are ${verdict(last)}.</p>
<table id="last-run"><caption>The last run's checks, breaks first</caption>
<thead><tr><th scope="col">Check</th><th scope="col">Breaks</th><th scope="col">Examples</th></tr></thead>
<tbody>${[...breaks, ...last.checks.filter((check) => check.breaks === 0)].map(
                  (check) =>
                    html`<tr><td>${check.name}</td><td>${check.breaks}</td><td>${check.examples.map((example) => html`<code>${example}</code> `)}</td></tr>`,
                )}</tbody></table>`
        }
<form method="post" action="/wallet/reconciliation">${csrfField(session)}
<button type="submit">Check the books now</button> (the wallet checks every account, hold and transfer on one snapshot)</form>
<table id="runs"><caption>Runs, newest first</caption>
<thead><tr><th scope="col">Checked at (UTC)</th><th scope="col">By</th><th scope="col">Result</th><th scope="col">Took</th></tr></thead>
<tbody>${runs.map(
          (run) =>
            html`<tr><td>${iso(run.checkedAt)}</td><td>${run.ranBy}</td><td>${verdict(run)}</td><td>${run.durationMs} ms</td></tr>`,
        )}</tbody></table>
${nextPageToken === '' ? '' : html`<p><a href="/wallet/reconciliation?page=${encodeURIComponent(nextPageToken)}">Earlier runs</a></p>`}`,
        '/wallet',
      ),
    );
  });

  app.post('/wallet/reconciliation', async (c) => {
    await deps.wallet.getReconciliationReport({}, await asOperatorOnWallet(deps, c.get('session')));
    return c.redirect('/wallet/reconciliation', 303);
  });
}
