// transit's operator pages: the metro gates (searched and paged by transit itself: the city has 10,000 of them)
// and who operates each, handing gates to a gate operator, and the deny list with each resident's debt. Every call
// carries the signed-in operator's own token for transit. The fare rules pages are in fare_rules.ts.
import type { Hono } from 'hono';
import { html } from 'hono/html';
import type { Gate } from '@citypass/proto/transit/v1/transit';
import { asOperatorOnTransit, type ConsoleDeps, type ConsoleEnv } from '../deps.ts';
import type { Session } from '../sessions.ts';
import { addFareRulePages } from './fare_rules.ts';
import { alert, csrfField, field, layout, notice, type FieldError, type Html } from './layout.ts';
import { amount } from './money.ts';
import { fieldErrors, isFormRefusal } from './refusals.ts';

const gatesPageSize = 50;
const denyListPageSize = 50;

type Body = Record<string, string | File | (string | File)[]>;
const text = (body: Body, name: string): string => (typeof body[name] === 'string' ? body[name].trim() : '');
const texts = (body: Body, name: string): string[] => {
  const value = body[name];
  return (Array.isArray(value) ? value : value === undefined ? [] : [value]).filter(
    (item): item is string => typeof item === 'string',
  );
};

interface GatesView {
  readonly search: string;
  readonly pageToken: string;
  readonly gates: readonly Gate[];
  readonly nextPageToken: string;
  readonly clientId: string;
  readonly chosen: readonly string[];
  readonly gateList: string;
  readonly reason: string;
  readonly errors: Record<string, FieldError>;
  readonly notice?: string;
}

const gatesUrl = (search: string, pageToken: string): string =>
  `/transit/gates?${new URLSearchParams({ search, ...(pageToken ? { page: pageToken } : {}) }).toString()}`;

function gatesPage(session: Session, view: GatesView): Html {
  const { errors } = view;
  return layout(
    'Gates',
    session,
    html`${view.notice === undefined ? '' : notice(view.notice)}
<form method="get" action="/transit/gates" role="search" hx-get="/transit/gates" hx-target="#gates-results" hx-select="#gates-results" hx-swap="outerHTML" hx-push-url="true">
${field('search', 'Gate id or station id starts with', view.search, errors.search, 'autocomplete="off" maxlength="64"')}
<p><button>Search gates</button></p>
</form>
<h2>Assign gates to a gate operator</h2>
<p>Only the gate operator a gate is assigned to (an onboarded service with <code>gate:&lt;its name&gt;</code>) may tap,
upload and read configuration as that gate.</p>
${errors.form === undefined ? '' : alert(errors.form)}
<form method="post" action="/transit/gates/assign">
${csrfField(session)}
<input type="hidden" name="search" value="${view.search}">
<input type="hidden" name="page" value="${view.pageToken}">
${field('client_id', 'Gate operator (its service name)', view.clientId, errors.client_id, 'required autocomplete="off" maxlength="32"')}
<section id="gates-results" aria-label="Gates found">
${
  view.gates.length === 0
    ? html`<p>No gates match.</p>`
    : html`<table>
<caption>Gates in gate id order: tick those to assign</caption>
<thead><tr><th scope="col">Assign</th><th scope="col">Gate</th><th scope="col">Station</th><th scope="col">Name</th><th scope="col">Operated by</th></tr></thead>
<tbody>${view.gates.map(
        (gate) => html`<tr>
<td><input type="checkbox" id="gate-${gate.gateId}" name="gate_ids" value="${gate.gateId}"${
          view.chosen.includes(gate.gateId) ? ' checked' : ''
        } aria-label="Assign ${gate.gateId}"></td>
<td><code>${gate.gateId}</code></td><td><code>${gate.stationId}</code></td><td>${gate.name}</td>
<td>${gate.clientId === '' ? html`<em>nobody (unusable)</em>` : html`<code>${gate.clientId}</code>`}</td></tr>`,
      )}</tbody>
</table>`
}
${
  view.nextPageToken === ''
    ? ''
    : html`<p><a href="${gatesUrl(view.search, view.nextPageToken)}" rel="next" hx-get="${gatesUrl(view.search, view.nextPageToken)}" hx-target="#gates-results" hx-select="#gates-results" hx-swap="outerHTML" hx-push-url="true">Next gates</a></p>`
}
</section>
<div class="field">
<label for="gate_list">More gate ids (one per line or separated by commas)</label>
<textarea id="gate_list" name="gate_list" rows="3" cols="40"${
      errors.gate_ids === undefined ? '' : html` aria-invalid="true" aria-describedby="gate_ids-error"`
    }>${view.gateList}</textarea>
${errors.gate_ids === undefined ? '' : html`<p class="error" id="gate_ids-error">${errors.gate_ids.message} <code>${errors.gate_ids.reason}</code></p>`}
</div>
${field('reason', 'Reason (kept in the audit log)', view.reason, errors.reason, 'required maxlength="200" autocomplete="off"')}
<p><button>Assign the chosen gates</button></p>
</form>`,
    '/transit/gates',
  );
}

async function gatesView(
  deps: ConsoleDeps,
  session: Session,
  search: string,
  pageToken: string,
): Promise<Pick<GatesView, 'gates' | 'nextPageToken' | 'errors'>> {
  try {
    const page = await deps.transit.listGates(
      { pageSize: gatesPageSize, pageToken, search },
      await asOperatorOnTransit(deps, session),
    );
    return { gates: page.gates, nextPageToken: page.nextPageToken, errors: {} };
  } catch (error) {
    if (!isFormRefusal(error)) throw error;
    return { gates: [], nextPageToken: '', errors: fieldErrors(error) };
  }
}

function denyListPage(
  session: Session,
  entries: Awaited<ReturnType<ConsoleDeps['transit']['listDenyList']>>['entries'],
  next: string,
  errors: Record<string, FieldError>,
): Html {
  const nextUrl = `/transit/deny-list?${new URLSearchParams({ page: next }).toString()}`;
  return layout(
    'Deny list',
    session,
    html`<p>Residents whose fare could not be charged: every gate denies them until a top-up pays the debt, and
then they are taken off the list by themselves.</p>
${errors.form === undefined ? '' : alert(errors.form)}
<section id="deny-results" aria-label="Residents denied">
${
  entries.length === 0
    ? html`<p>Nobody is on the deny list.</p>`
    : html`<table>
<caption>Longest denied first</caption>
<thead><tr><th scope="col">Resident</th><th scope="col">Owes</th><th scope="col">Since</th><th scope="col">Why the charge failed</th></tr></thead>
<tbody>${entries.map(
        (entry) =>
          html`<tr><td><a href="/residents/${entry.residentId}"><code>${entry.residentId}</code></a></td><td>${amount(entry.debtMinor, entry.currency)}</td><td>${entry.since?.toISOString() ?? ''}</td><td><code>${entry.reason}</code>${
            entry.riskDecisionId === ''
              ? ''
              : html` (<a href="/wallet/risk?${new URLSearchParams({ decision: entry.riskDecisionId }).toString()}">the risk decision</a>)`
          }</td></tr>`,
      )}</tbody>
</table>`
}
${
  next === ''
    ? ''
    : html`<p><a href="${nextUrl}" rel="next" hx-get="${nextUrl}" hx-target="#deny-results" hx-select="#deny-results" hx-swap="outerHTML" hx-push-url="true">More residents</a></p>`
}
</section>`,
    '/transit/deny-list',
  );
}

export function addTransitPages(app: Hono<ConsoleEnv>, deps: ConsoleDeps): void {
  app.get('/transit/gates', async (c) => {
    const session = c.get('session');
    const search = (c.req.query('search') ?? '').trim();
    const pageToken = c.req.query('page') ?? '';
    const assigned = c.req.query('assigned');
    const found = await gatesView(deps, session, search, pageToken);
    return c.html(
      gatesPage(session, {
        ...found,
        search,
        pageToken,
        clientId: '',
        chosen: [],
        gateList: '',
        reason: '',
        ...(assigned === undefined
          ? {}
          : { notice: `${assigned} gate(s) now operated by ${c.req.query('client') ?? ''}.` }),
      }),
      Object.keys(found.errors).length > 0 ? 422 : 200,
    );
  });
  app.post('/transit/gates/assign', async (c) => {
    const session = c.get('session');
    const body = await c.req.parseBody({ all: true });
    const clientId = text(body, 'client_id');
    const gateList = text(body, 'gate_list');
    const chosen = texts(body, 'gate_ids');
    const gateIds = [...new Set([...chosen, ...gateList.split(/[\s,]+/).filter((id) => id !== '')])];
    const reason = text(body, 'reason');
    try {
      const { gates } = await deps.transit.assignGates(
        { clientId, gateIds, reason },
        await asOperatorOnTransit(deps, session),
      );
      const back = new URLSearchParams({
        assigned: String(gates.length),
        client: clientId,
        search: text(body, 'search'),
      });
      return c.redirect(`/transit/gates?${back.toString()}`, 303);
    } catch (error) {
      if (!isFormRefusal(error)) throw error;
      const search = text(body, 'search');
      const pageToken = text(body, 'page');
      const found = await gatesView(deps, session, search, pageToken);
      return c.html(
        gatesPage(session, {
          ...found,
          search,
          pageToken,
          clientId,
          chosen,
          gateList,
          reason,
          errors: fieldErrors(error),
        }),
        422,
      );
    }
  });
  app.get('/transit/deny-list', async (c) => {
    const session = c.get('session');
    try {
      const page = await deps.transit.listDenyList(
        { pageSize: denyListPageSize, pageToken: c.req.query('page') ?? '' },
        await asOperatorOnTransit(deps, session),
      );
      return await c.html(denyListPage(session, page.entries, page.nextPageToken, {}));
    } catch (error) {
      if (!isFormRefusal(error)) throw error;
      return c.html(denyListPage(session, [], '', fieldErrors(error)), 422);
    }
  });
  addFareRulePages(app, deps);
}
