// `citypass audit list`: the audit logs of operator actions, newest first, from identity (the default), transit or
// both merged by time: who exactly, action and target by prefix, a range of whole UTC days, exact subject and action
// (identity's older filters). Each log is read a keyset page at a time up to --limit; merged, the newest --limit
// of both are kept.
import { badLimit, collectPages, text } from './command_values.ts';
import type { Command, CommandContext } from './commands.ts';

const maxAuditPageSize = 500;
const dayMs = 86_400_000;
const sources = ['identity', 'transit'] as const;

interface AuditRow {
  readonly service: (typeof sources)[number];
  readonly id: string;
  readonly occurredAt: string;
  readonly actor: string;
  readonly action: string;
  readonly target: string;
  readonly [field: string]: unknown;
}

/** A UTC day (YYYY-MM-DD) as its midnight, `days` later; undefined when absent; 'invalid' when not a real day. */
function dayOf(value: string, days = 0): Date | undefined | 'invalid' {
  if (value === '') return undefined;
  const day = new Date(`${value}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(day.getTime()) || day.toISOString().slice(0, 10) !== value)
    return 'invalid';
  return new Date(day.getTime() + days * dayMs);
}

async function identityRows(context: CommandContext, time: { occurredFrom?: Date; occurredBefore?: Date }) {
  return collectPages(context, maxAuditPageSize, async (pageSize, pageToken) => {
    const page = await context.identity().listAuditEvents({
      subjectId: text(context, 'subject'),
      action: text(context, 'action'),
      actor: text(context, 'who'),
      actionPrefix: text(context, 'action-prefix'),
      subjectPrefix: text(context, 'target'),
      occurredFrom: time.occurredFrom,
      occurredBefore: time.occurredBefore,
      pageSize,
      pageToken,
    });
    const items = page.events.map(
      (event): AuditRow => ({
        service: 'identity',
        id: event.id,
        occurredAt: event.occurredAt?.toISOString() ?? '',
        actor: event.actor,
        action: event.action,
        target: event.subjectId,
        subjectId: event.subjectId,
        details: JSON.parse(event.detailsJson || '{}') as unknown,
      }),
    );
    return { items, nextPageToken: page.nextPageToken };
  });
}

async function transitRows(context: CommandContext, time: { occurredFrom?: Date; occurredBefore?: Date }) {
  return collectPages(context, maxAuditPageSize, async (pageSize, pageToken) => {
    const page = await context.transit().listAuditEvents({
      actor: text(context, 'who'),
      actionPrefix: text(context, 'action-prefix'),
      targetPrefix: text(context, 'target'),
      occurredFrom: time.occurredFrom,
      occurredBefore: time.occurredBefore,
      pageSize,
      pageToken,
    });
    const items = page.events.map(
      (event): AuditRow => ({
        service: 'transit',
        id: event.id,
        occurredAt: event.occurredAt?.toISOString() ?? '',
        actor: event.actor,
        action: event.action,
        target: event.target,
        before: JSON.parse(event.beforeJson || '{}') as unknown,
        after: JSON.parse(event.afterJson || '{}') as unknown,
        reason: event.reason,
      }),
    );
    return { items, nextPageToken: page.nextPageToken };
  });
}

export const listAudit: Command = {
  words: ['audit', 'list'],
  usage:
    'citypass audit list [--service identity|transit|all] [--who <actor>] [--action-prefix <p>] [--target <prefix>] [--from <YYYY-MM-DD>] [--to <YYYY-MM-DD>] [--subject <id>] [--action <action>] [--limit <n, default 50>]',
  summary:
    'the audit logs of operator actions, newest first: who did what to which target (identity by default; transit, or all merged by time)',
  options: {
    service: { type: 'string', default: 'identity' },
    who: { type: 'string' },
    'action-prefix': { type: 'string' },
    target: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    subject: { type: 'string' },
    action: { type: 'string' },
    limit: { type: 'string', default: '50' },
  },
  positionals: 0,
  gateway: true,
  async run(context) {
    const service = text(context, 'service');
    const chosen = service === 'all' ? sources : sources.filter((source) => source === service);
    if (chosen.length === 0) return context.out.usage('--service is identity, transit or all');
    if (chosen.includes('transit') && (text(context, 'subject') !== '' || text(context, 'action') !== ''))
      return context.out.usage('--subject and --action are identity filters: use --target and --action-prefix');
    const from = dayOf(text(context, 'from'));
    const before = dayOf(text(context, 'to'), 1);
    if (from === 'invalid' || before === 'invalid') return context.out.usage('--from and --to are days: YYYY-MM-DD');
    const time = {
      ...(from === undefined ? {} : { occurredFrom: from }),
      ...(before === undefined ? {} : { occurredBefore: before }),
    };
    const found = await Promise.all(
      chosen.map((source) => (source === 'identity' ? identityRows(context, time) : transitRows(context, time))),
    );
    if (found.some((each) => each === undefined)) return badLimit(context);
    const limit = Number(text(context, 'limit'));
    const merged = found
      .flatMap((each) => each?.items ?? [])
      .sort((a, b) => b.occurredAt.localeCompare(a.occurredAt) || (a.service < b.service ? -1 : 1));
    const rows = merged.slice(0, limit);
    const more = merged.length > limit || found.some((each) => each?.more === true);
    return context.out.result(
      { events: rows, more },
      rows.length === 0
        ? ['no audit events']
        : rows.map((row) => {
            const change =
              row.service === 'transit'
                ? `${JSON.stringify(row.before)} -> ${JSON.stringify(row.after)}`
                : JSON.stringify(row.details);
            return `${row.occurredAt}  ${row.service}  ${row.actor}  ${row.action}  ${row.target}  ${change}`;
          }),
    );
  },
};
