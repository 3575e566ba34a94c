// Fare rules: every version with the day it takes effect, and a new version put only after a preview of what it
// changes (transit prices the last 7 days' riders, or a sample commuter week, under today's rules and the
// candidate, with its own fare engine). Putting is dangerous: an operator whose last sign-in is older than
// CONSOLE_REAUTH_MAX_AGE_S signs in again first (max_age=0), then confirms. The idempotency key is made when the
// form is first shown and travels in it, so a double submit puts one version.
import { randomBytes } from 'node:crypto';
import type { Hono } from 'hono';
import { html } from 'hono/html';
import { concessions, transitReasons } from '@citypass/contracts';
import type {
  ConcessionAmounts,
  FarePreviewTotals,
  FareRules,
  PreviewFareRulesResponse,
} from '@citypass/proto/transit/v1/transit';
import { asOperatorOnTransit, type ConsoleDeps, type ConsoleEnv } from '../deps.ts';
import type { PendingFareRules, Session } from '../sessions.ts';
import { alert, csrfField, field, layout, notice, type FieldError, type Html } from './layout.ts';
import { amount } from './money.ts';
import { fieldErrors, isFormRefusal } from './refusals.ts';

type Values = Readonly<Record<string, string>>;
type Pair = readonly [number, number];

/** The rows of amounts by concession besides the zone fares: field prefix, label, the message's field. */
const amountRows = [
  ['daily_cap', 'Daily cap', 'dailyCap'],
  ['weekly_cap', 'Weekly cap', 'weeklyCap'],
  ['max_fare', 'Maximum fare (no tap-out, or a journey over the time limit)', 'maxFare'],
  ['unmatched_exit_fare', 'Tap-out without a tap-in', 'unmatchedExitFare'],
] as const;
const periods = ['calendar_week', 'rolling_7_days'] as const;
const wire = { adult: 'adultMinor', child: 'childMinor', senior: 'seniorMinor', student: 'studentMinor' } as const;

const fareName = ([from, to]: Pair, concession: string): string => `fare_${from}_${to}_${concession}`;
const pairsOf = (rules: FareRules | undefined): Pair[] =>
  (rules?.zoneFares ?? []).map((fare) => [fare.fromZone, fare.toZone] as const);

/** Every field the form has, for these zone pairs. */
function fieldNames(pairs: readonly Pair[]): string[] {
  return [
    'idempotency_key',
    'effective_from',
    'transfer_window_minutes',
    'max_journey_minutes',
    'weekly_cap_period',
    'reason',
    ...pairs.flatMap((pair) => concessions.map((concession) => fareName(pair, concession))),
    ...amountRows.flatMap(([prefix]) => concessions.map((concession) => `${prefix}_${concession}`)),
  ];
}

/** The form filled with a version's values (the starting point of the next one), a new date and key. */
function valuesOf(rules: FareRules | undefined): Values {
  const values: Record<string, string> = {
    idempotency_key: randomBytes(16).toString('base64url'),
    effective_from: '',
    transfer_window_minutes: String(rules?.transferWindowMinutes ?? ''),
    max_journey_minutes: String(rules?.maxJourneyMinutes ?? ''),
    weekly_cap_period: rules?.weeklyCapPeriod ?? 'calendar_week',
    reason: '',
  };
  for (const concession of concessions) {
    for (const fare of rules?.zoneFares ?? [])
      values[fareName([fare.fromZone, fare.toZone], concession)] = String(fare.fare?.[wire[concession]] ?? '');
    for (const [prefix, , key] of amountRows)
      values[`${prefix}_${concession}`] = String(rules?.[key]?.[wire[concession]] ?? '');
  }
  return values;
}

/** The candidate from the form; amounts that are not whole numbers of minor units are refused here. */
function rulesOf(
  values: Values,
  pairs: readonly Pair[],
): { rules: FareRules } | { errors: Record<string, FieldError> } {
  const errors: Record<string, FieldError> = {};
  const amounts = (name: (concession: string) => string, group: string): ConcessionAmounts => {
    const read = (concession: string): bigint => {
      const value = values[name(concession)] ?? '';
      if (/^\d{1,12}$/.test(value)) return BigInt(value);
      errors[group] = {
        message: 'every amount is a whole number of minor units (cents)',
        reason: transitReasons.FARE_AMOUNTS_MISSING,
      };
      return 0n;
    };
    return {
      adultMinor: read('adult'),
      childMinor: read('child'),
      seniorMinor: read('senior'),
      studentMinor: read('student'),
    };
  };
  const minutes = (name: string): number => {
    const value = values[name] ?? '';
    return /^\d{1,5}$/.test(value) ? Number(value) : 0;
  };
  const row = (prefix: string): ConcessionAmounts => amounts((concession) => `${prefix}_${concession}`, 'caps');
  const rules: FareRules = {
    version: 0,
    effectiveFrom: values.effective_from ?? '',
    zoneFares: pairs.map((pair) => ({
      fromZone: pair[0],
      toZone: pair[1],
      fare: amounts((concession) => fareName(pair, concession), 'zone_fares'),
    })),
    transferWindowMinutes: minutes('transfer_window_minutes'),
    maxJourneyMinutes: minutes('max_journey_minutes'),
    dailyCap: row('daily_cap'),
    weeklyCap: row('weekly_cap'),
    weeklyCapPeriod: values.weekly_cap_period ?? '',
    maxFare: row('max_fare'),
    unmatchedExitFare: row('unmatched_exit_fare'),
  };
  return Object.keys(errors).length > 0 ? { errors } : { rules };
}

function groupError(name: string, error: FieldError | undefined): Html {
  return error === undefined
    ? html``
    : html`<p class="error" id="${name}-error">${error.message} <code>${error.reason}</code></p>`;
}

function amountInput(name: string, label: string, values: Values, invalid: boolean): Html {
  return html`<td><input id="${name}" name="${name}" value="${values[name] ?? ''}" inputmode="numeric" pattern="[0-9]*" required size="8" aria-label="${label}"${
    invalid ? html` aria-invalid="true"` : ''
  }></td>`;
}

function amountsTable(
  caption: string,
  rows: readonly (readonly [string, string])[],
  values: Values,
  group: string,
  errors: Record<string, FieldError>,
): Html {
  const error = errors[group];
  return html`<fieldset${error === undefined ? '' : html` aria-describedby="${group}-error"`}>
<legend>${caption} (minor units: cents)</legend>
<table><thead><tr><th scope="col">Fare</th>${concessions.map((concession) => html`<th scope="col">${concession}</th>`)}</tr></thead>
<tbody>${rows.map(
    ([prefix, label]) =>
      html`<tr><th scope="row">${label}</th>${concessions.map((concession) =>
        amountInput(`${prefix}_${concession}`, `${label}, ${concession}`, values, error !== undefined),
      )}</tr>`,
  )}</tbody></table>
${groupError(group, error)}
</fieldset>`;
}

function editor(session: Session, values: Values, pairs: readonly Pair[], errors: Record<string, FieldError>): Html {
  const period = values.weekly_cap_period ?? 'calendar_week';
  const periodError = errors.weekly_cap_period;
  return html`${errors.form === undefined ? '' : alert(errors.form)}
<form method="post" action="/transit/fare-rules/preview" hx-post="/transit/fare-rules/preview" hx-target="#fare-rules-editor" hx-select="#fare-rules-editor" hx-swap="outerHTML">
${csrfField(session)}
<input type="hidden" name="idempotency_key" value="${values.idempotency_key ?? ''}">
${field('effective_from', 'Takes effect from (a service day after today)', values.effective_from ?? '', errors.effective_from, 'type="date" required')}
${field('transfer_window_minutes', 'Transfer window (minutes)', values.transfer_window_minutes ?? '', errors.transfer_window_minutes, 'inputmode="numeric" required')}
${field('max_journey_minutes', 'Longest journey (minutes)', values.max_journey_minutes ?? '', errors.max_journey_minutes, 'inputmode="numeric" required')}
<div class="field"><label for="weekly_cap_period">Weekly cap period</label>
<select id="weekly_cap_period" name="weekly_cap_period"${periodError === undefined ? '' : html` aria-invalid="true" aria-describedby="weekly_cap_period-error"`}>${periods.map(
    (option) =>
      html`<option value="${option}"${option === period ? ' selected' : ''}>${option.replaceAll('_', ' ')}</option>`,
  )}</select>${groupError('weekly_cap_period', periodError)}</div>
${amountsTable(
  'Zone fares',
  pairs.map(([from, to]) => [`fare_${from}_${to}`, from === to ? `Zone ${from}` : `Zones ${from}-${to}`] as const),
  values,
  'zone_fares',
  errors,
)}
${amountsTable(
  'Caps and maximum fares',
  amountRows.map(([prefix, label]) => [prefix, label] as const),
  values,
  'caps',
  errors,
)}
${field('reason', 'Reason (kept in the audit log)', values.reason ?? '', errors.reason, 'required maxlength="200" autocomplete="off"')}
<p><button>Preview</button></p>
</form>`;
}

function previewTable(preview: PreviewFareRulesResponse): Html {
  const rows: [string, FarePreviewTotals | undefined][] = [
    ...preview.byConcession.map((totals): [string, FarePreviewTotals] => [totals.concession, totals]),
    ['everyone', preview.total],
  ];
  const money = (minor: bigint | undefined): string => amount(minor ?? 0n, preview.currency);
  return html`<p id="preview-source">${
    preview.source === 'sample_week'
      ? html`No journeys in the last 7 days: a sample commuter week (${preview.firstServiceDate} to ${preview.lastServiceDate}), one rider per concession.`
      : html`The journeys of ${preview.firstServiceDate} to ${preview.lastServiceDate}, replayed from the taps transit recorded.`
  } “Before” is version ${preview.versionInForce}, in force today.${preview.ridersLimited ? ' Only the first 50,000 riders were replayed.' : ''}</p>
<table id="preview-table">
<caption>What the same riders pay</caption>
<thead><tr><th scope="col">Concession</th><th scope="col">Riders</th><th scope="col">Journeys</th><th scope="col">Revenue before</th><th scope="col">Revenue after</th><th scope="col">Pay more</th><th scope="col">Pay less</th><th scope="col">Same</th></tr></thead>
<tbody>${rows.map(
    ([label, totals]) =>
      html`<tr><th scope="row">${label}</th><td>${totals?.riders ?? 0}</td><td>${totals?.journeysBefore ?? 0}${
        totals !== undefined && totals.journeysAfter !== totals.journeysBefore ? ` (${totals.journeysAfter} after)` : ''
      }</td><td>${money(totals?.revenueBeforeMinor)}</td><td>${money(totals?.revenueAfterMinor)}</td><td>${totals?.ridersPayingMore ?? 0}</td><td>${totals?.ridersPayingLess ?? 0}</td><td>${totals?.ridersPayingSame ?? 0}</td></tr>`,
  )}</tbody>
</table>`;
}

function putForm(session: Session, values: Values, pairs: readonly Pair[]): Html {
  return html`<form method="post" action="/transit/fare-rules">
${csrfField(session)}
${fieldNames(pairs).map((name) => html`<input type="hidden" name="${name}" value="${values[name] ?? ''}">`)}
<p><button>Put the new version from ${values.effective_from ?? ''}</button></p>
</form>`;
}

interface PageParts {
  readonly title?: string;
  readonly values: Values;
  readonly errors?: Record<string, FieldError>;
  readonly preview?: PreviewFareRulesResponse;
  readonly notice?: string;
}

async function fareRulesPage(deps: ConsoleDeps, session: Session, parts: PageParts): Promise<Html> {
  const { currency, versions } = await deps.transit.listFareRules({}, await asOperatorOnTransit(deps, session));
  const pairs = pairsOf(versions.at(-1));
  const today = new Date(deps.now()).toISOString().slice(0, 10);
  const inForce = versions.filter((rules) => rules.effectiveFrom <= today).at(-1)?.version;
  return layout(
    parts.title ?? 'Fare rules',
    session,
    html`${parts.notice === undefined ? '' : notice(parts.notice)}
<table id="fare-rule-versions">
<caption>Versions, each in force from its day until the next (amounts in ${currency})</caption>
<thead><tr><th scope="col">Version</th><th scope="col">From</th><th scope="col">Transfers within</th><th scope="col">Adult caps (day / week)</th><th scope="col">Weekly cap period</th><th scope="col">Zone fares</th></tr></thead>
<tbody>${versions.map(
      (rules) =>
        html`<tr><td>${rules.version}${rules.version === inForce ? ' (in force)' : ''}</td><td>${rules.effectiveFrom}</td><td>${rules.transferWindowMinutes} min</td><td>${amount(rules.dailyCap?.adultMinor ?? 0n, currency)} / ${amount(rules.weeklyCap?.adultMinor ?? 0n, currency)}</td><td>${rules.weeklyCapPeriod.replaceAll('_', ' ')}</td><td>${rules.zoneFares.length}</td></tr>`,
    )}</tbody>
</table>
<section id="fare-rules-editor" aria-labelledby="editor-heading">
<h2 id="editor-heading">A new version</h2>
<p>Starts from the latest version. Nothing is put before you have seen what it changes.</p>
${editor(session, parts.values, pairs, parts.errors ?? {})}
${
  parts.preview === undefined
    ? ''
    : html`<h2>What changes</h2>
${previewTable(parts.preview)}
${putForm(session, parts.values, pairs)}`
}
</section>`,
    '/transit/fare-rules',
  );
}

/** Previews the form's candidate; refusals (the console's or transit's, the same as putting) next to their fields. */
async function previewed(deps: ConsoleDeps, session: Session, values: Values, title?: string): Promise<[Html, number]> {
  const { versions } = await deps.transit.listFareRules({}, await asOperatorOnTransit(deps, session));
  const candidate = rulesOf(values, pairsOf(versions.at(-1)));
  const withTitle = title === undefined ? {} : { title };
  if ('errors' in candidate)
    return [await fareRulesPage(deps, session, { ...withTitle, values, errors: candidate.errors }), 422];
  try {
    const preview = await deps.transit.previewFareRules(
      { rules: candidate.rules },
      await asOperatorOnTransit(deps, session),
    );
    return [await fareRulesPage(deps, session, { ...withTitle, values, preview }), 200];
  } catch (error) {
    if (!isFormRefusal(error)) throw error;
    return [await fareRulesPage(deps, session, { ...withTitle, values, errors: fieldErrors(error) }), 422];
  }
}

/** The form's text fields as sent (the CSRF token aside). */
function formValues(body: Record<string, unknown>): PendingFareRules {
  return Object.fromEntries(
    Object.entries(body)
      .filter((entry): entry is [string, string] => typeof entry[1] === 'string' && entry[0] !== 'csrf')
      .map(([name, value]) => [name, value.trim()]),
  );
}

export function addFareRulePages(app: Hono<ConsoleEnv>, deps: ConsoleDeps): void {
  app.get('/transit/fare-rules', async (c) => {
    const session = c.get('session');
    const { versions } = await deps.transit.listFareRules({}, await asOperatorOnTransit(deps, session));
    const put = c.req.query('put');
    return c.html(
      await fareRulesPage(deps, session, {
        values: valuesOf(versions.at(-1)),
        ...(put === undefined
          ? {}
          : { notice: `Version ${put} is put: it takes effect from ${c.req.query('from') ?? ''}.` }),
      }),
    );
  });
  app.post('/transit/fare-rules/preview', async (c) => {
    const [page, status] = await previewed(deps, c.get('session'), formValues(await c.req.parseBody()));
    return c.html(page, status === 422 ? 422 : 200);
  });
  app.get('/transit/fare-rules/confirm', async (c) => {
    const session = c.get('session');
    const pending = session.pendingFareRules;
    if (pending === undefined)
      return c.html(layout('Nothing to confirm', session, html`<p><a href="/transit/fare-rules">Fare rules</a></p>`));
    const [page, status] = await previewed(deps, session, pending, 'Confirm the new fare rules');
    return c.html(page, status === 422 ? 422 : 200);
  });
  app.post('/transit/fare-rules', async (c) => {
    const session = c.get('session');
    const values = formValues(await c.req.parseBody());
    const signedIn = session.signedIn;
    if (signedIn === undefined) return c.redirect('/signin', 303);
    if (deps.now() - signedIn.authTimeMs > deps.config.CONSOLE_REAUTH_MAX_AGE_S * 1000) {
      await deps.sessions.change(session, (data) => {
        data.pendingFareRules = values;
      });
      return c.redirect(`/signin?fresh=1&return=${encodeURIComponent('/transit/fare-rules/confirm')}`, 303);
    }
    const { versions } = await deps.transit.listFareRules({}, await asOperatorOnTransit(deps, session));
    const candidate = rulesOf(values, pairsOf(versions.at(-1)));
    if ('errors' in candidate)
      return c.html(await fareRulesPage(deps, session, { values, errors: candidate.errors }), 422);
    try {
      const { rules } = await deps.transit.putFareRules(
        { idempotencyKey: values.idempotency_key ?? '', reason: values.reason ?? '', rules: candidate.rules },
        await asOperatorOnTransit(deps, session),
      );
      await deps.sessions.change(session, (data) => {
        delete data.pendingFareRules;
      });
      const done = new URLSearchParams({ put: String(rules?.version ?? ''), from: rules?.effectiveFrom ?? '' });
      return c.redirect(`/transit/fare-rules?${done.toString()}`, 303);
    } catch (error) {
      if (!isFormRefusal(error)) throw error;
      return c.html(await fareRulesPage(deps, session, { values, errors: fieldErrors(error) }), 422);
    }
  });
}
