// The audit page: one search over identity's and transit's logs of operator actions (who exactly; action and target
// by prefix; a date range; one service or both), merged newest first a page at a time (audit_feed.ts), each entry's
// before and after shown as what changed (audit_diff.ts). A plain GET form: it works without JavaScript and its
// URL can be kept; htmx only swaps the results in place.
import type { Hono } from 'hono';
import { html } from 'hono/html';
import { isDomainError } from '@citypass/platform/errors';
import { kindOfGrpcStatus } from '@citypass/platform/grpc';
import { asOperatorOnIdentity, asOperatorOnTransit, type ConsoleDeps, type ConsoleEnv } from '../deps.ts';
import { changes, detailList, diffList } from './audit_diff.ts';
import {
  auditSources,
  cursorsOfToken,
  cursorsToken,
  mergedPage,
  type AuditEntry,
  type AuditReader,
  type AuditSource,
} from './audit_feed.ts';
import { auditSearchOf, type AuditSearch } from './audit_search.ts';
import { field, layout, type FieldError, type Html } from './layout.ts';
import { listPageSize, nextPageLink, searchForm } from './lists.ts';
import { isFormRefusal } from './refusals.ts';
import type { Session } from '../sessions.ts';

/** Identity's details, flat: `<field>Before`/`<field>After` pairs become before and after, `reason` the reason. */
function identityEntry(event: {
  id: string;
  occurredAt: Date | undefined;
  actor: string;
  action: string;
  subjectId: string;
  detailsJson: string;
}): AuditEntry {
  const details = JSON.parse(event.detailsJson === '' ? '{}' : event.detailsJson) as Record<string, unknown>;
  const before: Record<string, unknown> = {};
  const after: Record<string, unknown> = {};
  const rest: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(details)) {
    if (key.endsWith('Before') && key.length > 6) before[key.slice(0, -6)] = value;
    else if (key.endsWith('After') && key.length > 5) after[key.slice(0, -5)] = value;
    else if (key !== 'reason') rest[key] = value;
  }
  return {
    source: 'identity',
    id: event.id,
    occurredAt: event.occurredAt ?? new Date(0),
    actor: event.actor,
    action: event.action,
    target: event.subjectId,
    before,
    after,
    details: rest,
    reason: typeof details.reason === 'string' ? details.reason : '',
  };
}

function readers(deps: ConsoleDeps, session: Session, search: AuditSearch): Record<AuditSource, AuditReader> {
  const time = { occurredFrom: search.from, occurredBefore: search.before };
  return {
    identity: async (pageToken, pageSize) => {
      const page = await deps.identity.listAuditEvents(
        {
          subjectId: '',
          action: '',
          actor: search.who,
          actionPrefix: search.action,
          subjectPrefix: search.target,
          ...time,
          pageSize,
          pageToken,
        },
        await asOperatorOnIdentity(deps, session),
      );
      return { entries: page.events.map(identityEntry), next: page.nextPageToken };
    },
    transit: async (pageToken, pageSize) => {
      const page = await deps.transit.listAuditEvents(
        { actor: search.who, actionPrefix: search.action, targetPrefix: search.target, ...time, pageSize, pageToken },
        await asOperatorOnTransit(deps, session),
      );
      const entries = page.events.map(
        (event): AuditEntry => ({
          source: 'transit',
          id: event.id,
          occurredAt: event.occurredAt ?? new Date(0),
          actor: event.actor,
          action: event.action,
          target: event.target,
          before: JSON.parse(event.beforeJson === '' ? '{}' : event.beforeJson) as unknown,
          after: JSON.parse(event.afterJson === '' ? '{}' : event.afterJson) as unknown,
          details: {},
          reason: event.reason,
        }),
      );
      return { entries, next: page.nextPageToken };
    },
  };
}

/** A refusal for the operator's roles or scope, or a service not answering (also before any call reached it). */
function skippableKind(error: unknown): 'permission_denied' | 'unavailable' | undefined {
  type GrpcStatus = Parameters<typeof kindOfGrpcStatus>[0];
  const code = error instanceof Error ? (error as Error & { code?: GrpcStatus }).code : undefined;
  const kind = isDomainError(error) ? error.kind : code === undefined ? undefined : kindOfGrpcStatus(code);
  return kind === 'permission_denied' || kind === 'unavailable' ? kind : undefined;
}

/** Why a log was left out of a search of every service. */
type Skipped = Map<AuditSource, 'permission_denied' | 'unavailable'>;

/**
 * Searching every service, a log the operator's roles or scope do not reach (a support operator reads identity's, a
 * transit-department one transit's), or whose service is not answering, is left out with a note; searching that
 * one service alone is refused as any other page is.
 */
function skippingRefused(
  all: Record<AuditSource, AuditReader>,
  searchesAll: boolean,
  skipped: Skipped,
): Record<AuditSource, AuditReader> {
  const guard =
    (source: AuditSource): AuditReader =>
    async (pageToken, pageSize) => {
      try {
        return await all[source](pageToken, pageSize);
      } catch (error) {
        const why = skippableKind(error);
        if (!searchesAll || why === undefined) throw error;
        skipped.set(source, why);
        return { entries: [], next: '' };
      }
    };
  return { identity: guard('identity'), transit: guard('transit') };
}

function entryRow(entry: AuditEntry): Html {
  const changed = changes(entry.before, entry.after);
  const hasChange = Object.keys(entry.before ?? {}).length > 0 || Object.keys(entry.after ?? {}).length > 0;
  return html`<tr><td><time datetime="${entry.occurredAt.toISOString()}">${entry.occurredAt.toISOString().replace('T', ' ').slice(0, 19)}</time></td><td>${entry.source}</td><td>${entry.actor}</td><td>${entry.action}</td><td><code>${entry.target}</code></td><td>${hasChange ? diffList(changed) : ''}${detailList(entry.details)}</td><td>${entry.reason}</td></tr>`;
}

function results(entries: readonly AuditEntry[] | undefined, skipped: Skipped, next: Html): Html {
  return html`<section id="audit-results" aria-label="Audit entries">
${[...skipped].map(
  ([source, why]) =>
    html`<p role="status">${source}'s log is not shown: ${why === 'unavailable' ? 'the service is not answering' : 'your roles or scope do not reach it'}.</p>`,
)}
${
  entries === undefined || entries.length === 0
    ? html`<p>No entries.</p>`
    : html`<table>
<caption>Newest first</caption>
<thead><tr><th scope="col">When (UTC)</th><th scope="col">Service</th><th scope="col">Who</th><th scope="col">What</th><th scope="col">Target</th><th scope="col">Before → after</th><th scope="col">Reason</th></tr></thead>
<tbody>${entries.map(entryRow)}</tbody>
</table>`
}
${next}
</section>`;
}

function searchFields(values: Record<string, string>, errors: Record<string, FieldError>): Html {
  const service = values.service ?? 'all';
  return html`${field('who', 'Who (exactly, e.g. operator:olga)', values.who ?? '', errors.who, 'autocomplete="off"')}
${field('action', 'Action starts with (e.g. credential. or gates.)', values.action ?? '', errors.action, 'autocomplete="off"')}
${field('target', 'Target starts with (a resident id, a service, fare_rules:)', values.target ?? '', errors.target, 'autocomplete="off"')}
${field('from', 'From (UTC day, inclusive)', values.from ?? '', errors.from, 'type="date"')}
${field('to', 'To (UTC day, inclusive)', values.to ?? '', errors.to, 'type="date"')}
<div class="field"><label for="service">Service</label>
<select id="service" name="service">${(['all', ...auditSources] as const).map(
    (option) =>
      html`<option value="${option}"${option === service ? ' selected' : ''}>${option === 'all' ? 'identity and transit' : option}</option>`,
  )}</select>${errors.service === undefined ? '' : html`<p class="error">${errors.service.message} <code>${errors.service.reason}</code></p>`}</div>
${errors.form === undefined ? '' : html`<p class="error" role="alert">${errors.form.message} <code>${errors.form.reason}</code></p>`}`;
}

export function addAuditPage(app: Hono<ConsoleEnv>, deps: ConsoleDeps): void {
  app.get('/audit', async (c) => {
    const session = c.get('session');
    const values = Object.fromEntries(
      ['who', 'action', 'target', 'from', 'to', 'service'].map((name) => [name, (c.req.query(name) ?? '').trim()]),
    );
    const parsed = auditSearchOf(values);
    let entries: AuditEntry[] | undefined;
    let next = '';
    let errors: Record<string, FieldError> = 'errors' in parsed ? parsed.errors : {};
    const skipped: Skipped = new Map();
    if ('search' in parsed) {
      try {
        const { search } = parsed;
        const cursors = cursorsOfToken(c.req.query('page') ?? '', search.sources);
        const page = await mergedPage(
          skippingRefused(readers(deps, session, search), search.sources.length > 1, skipped),
          cursors,
          listPageSize,
        );
        entries = page.entries;
        next = cursorsToken(page.cursors);
      } catch (error) {
        if (!isFormRefusal(error)) throw error;
        errors = { form: { message: error.message, reason: error.reason } };
      }
    }
    const search = Object.fromEntries(Object.entries(values).filter(([, value]) => value !== ''));
    return c.html(
      layout(
        'Audit',
        session,
        html`${searchForm('/audit', 'audit-results', searchFields(values, errors), 'Search')}
${results(entries, skipped, nextPageLink('/audit', search, next, 'Older entries'))}`,
        '/audit',
      ),
      entries === undefined ? 422 : 200,
    );
  });
}
