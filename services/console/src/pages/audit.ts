// Identity's audit log, newest first, filtered by subject and action, paged by the service's own page token
// (keyset: the last id seen), so a page is as fast on the millionth entry as on the first.
import type { Hono } from 'hono';
import { html } from 'hono/html';
import { asOperatorOnIdentity, type ConsoleDeps, type ConsoleEnv } from '../deps.ts';
import { field, layout } from './layout.ts';
import { listPageSize, nextPageLink, searchForm } from './lists.ts';
import { fieldErrors, isFormRefusal } from './refusals.ts';

export function addAuditPage(app: Hono<ConsoleEnv>, deps: ConsoleDeps): void {
  app.get('/audit', async (c) => {
    const session = c.get('session');
    const subject = (c.req.query('subject') ?? '').trim();
    const action = (c.req.query('action') ?? '').trim();
    const pageToken = c.req.query('page') ?? '';
    let events;
    let next = '';
    let errors = {};
    try {
      const page = await deps.identity.listAuditEvents(
        {
          subjectId: subject,
          action,
          pageSize: listPageSize,
          pageToken,
          actionPrefix: '',
          subjectPrefix: '',
          occurredFrom: undefined,
          occurredBefore: undefined,
          actor: '',
        },
        await asOperatorOnIdentity(deps, session),
      );
      events = page.events;
      next = page.nextPageToken;
    } catch (error) {
      if (!isFormRefusal(error)) throw error;
      errors = fieldErrors(error);
    }
    return c.html(
      layout(
        'Audit',
        session,
        html`${searchForm(
          '/audit',
          'audit-results',
          html`${field('subject', 'Subject (a resident id, a service, an operator)', subject, (errors as Record<string, never>).subject, 'autocomplete="off"')}
${field('action', 'Action (e.g. credential.revoked)', action, (errors as Record<string, never>).action, 'autocomplete="off"')}`,
          'Filter',
        )}
<section id="audit-results" aria-label="Audit entries">
${
  events === undefined || events.length === 0
    ? html`<p>No entries.</p>`
    : html`<table>
<caption>Newest first</caption>
<thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">What</th><th scope="col">Subject</th><th scope="col">Details</th></tr></thead>
<tbody>${events.map(
        (event) =>
          html`<tr><td>${event.occurredAt?.toISOString() ?? ''}</td><td>${event.actor}</td><td>${event.action}</td><td><code>${event.subjectId}</code></td><td><code>${event.detailsJson}</code></td></tr>`,
      )}</tbody>
</table>`
}
${nextPageLink('/audit', { subject, action }, next, 'Older entries')}
</section>`,
        '/audit',
      ),
      events === undefined ? 422 : 200,
    );
  });
}
