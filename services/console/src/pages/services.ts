// The onboarded city services (identity's OIDC clients): a search by the start of the name, a page at a time,
// each with its scopes and what they let it do on which citypass service.
import type { Hono } from 'hono';
import { html } from 'hono/html';
import { resources } from '@citypass/contracts';
import type { ListServicesResponse, ServiceCapability } from '@citypass/proto/identity/v1/identity';
import { asOperatorOnIdentity, type ConsoleDeps, type ConsoleEnv } from '../deps.ts';
import { field, layout, type FieldError, type Html } from './layout.ts';
import { listPageSize, nextPageLink, searchForm } from './lists.ts';
import { isFormRefusal } from './refusals.ts';

const resourceNames: Readonly<Record<string, string>> = {
  [resources.wallet]: 'wallet',
  [resources.transit]: 'transit',
  [resources.healthBilling]: 'health billing',
  [resources.identity]: 'identity',
};

/** "wallet: charge, refund; transit: gate". */
function capabilitiesText(capabilities: readonly ServiceCapability[]): string {
  const verbsByResource = new Map<string, string[]>();
  for (const { verb, resource } of capabilities) {
    const name = resourceNames[resource] ?? resource;
    verbsByResource.set(name, [...(verbsByResource.get(name) ?? []), verb]);
  }
  return [...verbsByResource].map(([name, verbs]) => `${name}: ${verbs.join(', ')}`).join('; ');
}

function servicesResults(search: string, page: ListServicesResponse | undefined): Html {
  const services = page?.services ?? [];
  return html`<section id="service-results" aria-label="Services found">
${
  services.length === 0
    ? html`<p>No services found.</p>`
    : html`<table>
<caption>By name (the client id)</caption>
<thead><tr><th scope="col">Name</th><th scope="col">Display name</th><th scope="col">May use</th><th scope="col">Scopes</th><th scope="col">Signs in with</th><th scope="col">Contact</th><th scope="col">Onboarded</th></tr></thead>
<tbody>${services.map(
        (service) =>
          html`<tr><td><a href="/services/${encodeURIComponent(service.name)}/client"><code>${service.name}</code></a></td><td>${service.displayName}</td><td>${capabilitiesText(service.capabilities)}</td><td><code>${service.scopes.join(' ')}</code></td><td>${service.tokenEndpointAuthMethod}</td><td>${service.contactEmail}</td><td>${service.onboardedAt?.toISOString() ?? ''}</td></tr>`,
      )}</tbody>
</table>`
}
${nextPageLink('/services', { search }, page?.nextPageToken ?? '', 'Next services')}
</section>`;
}

export function addServicesPage(app: Hono<ConsoleEnv>, deps: ConsoleDeps): void {
  app.get('/services', async (c) => {
    const session = c.get('session');
    const search = (c.req.query('search') ?? '').trim();
    let page: ListServicesResponse | undefined;
    let error: FieldError | undefined;
    try {
      page = await deps.identity.listServices(
        { search, pageSize: listPageSize, pageToken: c.req.query('page') ?? '' },
        await asOperatorOnIdentity(deps, session),
      );
    } catch (refusal) {
      if (!isFormRefusal(refusal)) throw refusal;
      error = { message: refusal.message, reason: refusal.reason };
    }
    return c.html(
      layout(
        'Services',
        session,
        html`<p>The city services onboarded as OIDC clients of citypass. <a href="/onboard">Onboard another</a>.</p>
${searchForm('/services', 'service-results', field('search', 'Name (the start of it)', search, error, 'autocomplete="off"'), 'Search')}
${servicesResults(search, page)}`,
        '/services',
      ),
      error === undefined ? 200 : 422,
    );
  });
}
