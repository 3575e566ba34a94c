// `citypass residents list` and `citypass services list`: identity's keyset-paged lists, read page by page (pages
// of at most 200, the service's maximum) up to --limit, with the same server-side search the console uses.
import { badLimit, collectPages, concessions, text } from './command_values.ts';
import type { Command } from './commands.ts';

const maxPageSize = 200;
const limitOptions = { search: { type: 'string', default: '' }, limit: { type: 'string', default: '50' } } as const;

const listResidents: Command = {
  words: ['residents', 'list'],
  usage:
    'citypass residents list [--search <surname start, then first name start | resident id>] [--limit <n, default 50>]',
  summary: 'residents by surname, then first name (the search: the start of it, any case, or a resident id)',
  options: limitOptions,
  positionals: 0,
  gateway: true,
  async run(context) {
    const found = await collectPages(context, maxPageSize, async (pageSize, pageToken) => {
      const page = await context.identity().listResidents({ search: text(context, 'search'), pageSize, pageToken });
      return { items: page.residents, nextPageToken: page.nextPageToken };
    });
    if (found === undefined) return badLimit(context);
    const rows = found.items.map((resident) => ({
      residentId: resident.residentId,
      givenName: resident.givenName,
      familyName: resident.familyName,
      birthDate: resident.birthDate,
      concession: Object.entries(concessions).find(([, value]) => value === resident.concessionClass)?.[0] ?? '',
      enrolled: resident.enrolled,
    }));
    return context.out.result(
      { residents: rows, more: found.more },
      rows.length === 0
        ? ['no residents']
        : rows.map(
            (row) =>
              `${row.residentId}  ${row.familyName}, ${row.givenName}  born ${row.birthDate}  ${row.concession}  ${row.enrolled ? 'enrolled' : 'not enrolled'}`,
          ),
    );
  },
};

const listServices: Command = {
  words: ['services', 'list'],
  usage: 'citypass services list [--search <name start>] [--limit <n, default 50>]',
  summary: 'the onboarded city services (OIDC clients) by name, with their scopes',
  options: limitOptions,
  positionals: 0,
  gateway: true,
  async run(context) {
    const found = await collectPages(context, maxPageSize, async (pageSize, pageToken) => {
      const page = await context.identity().listServices({ search: text(context, 'search'), pageSize, pageToken });
      return { items: page.services, nextPageToken: page.nextPageToken };
    });
    if (found === undefined) return badLimit(context);
    const rows = found.items.map((service) => ({
      name: service.name,
      displayName: service.displayName,
      contactEmail: service.contactEmail,
      scopes: service.scopes,
      capabilities: service.capabilities,
      tokenEndpointAuthMethod: service.tokenEndpointAuthMethod,
      onboardedAt: service.onboardedAt?.toISOString() ?? '',
    }));
    return context.out.result(
      { services: rows, more: found.more },
      rows.length === 0
        ? ['no services']
        : rows.map((row) => `${row.name}  ${row.displayName}  ${row.scopes.join(' ')}  onboarded ${row.onboardedAt}`),
    );
  },
};

export const listCommands: readonly Command[] = [listResidents, listServices];
