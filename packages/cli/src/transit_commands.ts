// The transit operator's commands (`transit:admin`): which gate client may use which gates, and the fare rules
// versions (a new one only from a later service day: transit refuses today's).
import { readFileSync } from 'node:fs';
import {
  FareRules,
  ListDenyListResponse,
  PreviewFareRulesResponse,
  type FarePreviewTotals,
} from '@citypass/proto/transit/v1/transit';
import { idempotencyKeyOption, keyOf, type Command, type CommandContext } from './commands.ts';
import { text } from './command_values.ts';
import { parseFareRulesFile } from './fare_rules_file.ts';
import { everyGate } from './gateway.ts';

const listGates: Command = {
  words: ['gates', 'list'],
  usage:
    'citypass gates list [--search <gate or station id prefix>] [--station <station id>] [--page-size <n> | --page-token <token>]',
  summary: 'list the metro gates, their station and the gate client each is assigned to (every page, or one page)',
  options: {
    search: { type: 'string' },
    station: { type: 'string' },
    'page-size': { type: 'string' },
    'page-token': { type: 'string' },
  },
  positionals: 0,
  gateway: true,
  async run(context) {
    const station = text(context, 'station');
    const search = text(context, 'search') || station;
    const pageSizeText = text(context, 'page-size');
    const pageToken = text(context, 'page-token');
    if (pageSizeText !== '' && !/^\d{1,4}$/.test(pageSizeText))
      return context.out.usage('--page-size is a whole number');
    const onePage = pageSizeText !== '' || pageToken !== '';
    const page = onePage
      ? await context.transit().listGates({ pageSize: Number(pageSizeText), pageToken, search })
      : { gates: await everyGate(context.transit(), search), nextPageToken: '' };
    const shown = station === '' ? page.gates : page.gates.filter((gate) => gate.stationId === station);
    return context.out.result({ gates: shown, ...(onePage ? { nextPageToken: page.nextPageToken } : {}) }, [
      ...(shown.length === 0
        ? ['no gates']
        : shown.map((gate) => `${gate.gateId}  ${gate.stationId}  ${gate.clientId || '(unassigned)'}  ${gate.name}`)),
      ...(page.nextPageToken === '' ? [] : [`more: --page-token ${page.nextPageToken}`]),
    ]);
  },
};

const assignGates: Command = {
  words: ['gates', 'assign'],
  usage:
    'citypass gates assign --client <gate client id> (--gate <gate id>... | --station <station id>...) --reason <text>',
  summary: 'hand gates to a gate client (onboarded with gate:<client>): only it may tap and read as those gates',
  options: {
    client: { type: 'string' },
    gate: { type: 'string', multiple: true },
    station: { type: 'string', multiple: true },
    reason: { type: 'string' },
  },
  positionals: 0,
  gateway: true,
  async run(context) {
    const clientId = text(context, 'client');
    const reason = text(context, 'reason');
    const gateIds = strings(context.values.gate);
    const stations = strings(context.values.station);
    if (clientId === '') return context.out.usage('gates assign needs --client');
    if (gateIds.length === 0 && stations.length === 0)
      return context.out.usage('gates assign needs --gate <gate id> or --station <station id> (repeatable)');
    if (reason.trim() === '') return context.out.usage('gates assign needs --reason (kept in the audit log)');
    const transit = context.transit();
    if (stations.length > 0) {
      const gates = (await Promise.all(stations.map((station) => everyGate(transit, station)))).flat();
      const known = new Set(gates.map((gate) => gate.stationId));
      const unknown = stations.filter((station) => !known.has(station));
      if (unknown.length > 0) return context.out.usage(`no gates at station(s) ${unknown.join(', ')}`);
      gateIds.push(...gates.filter((gate) => stations.includes(gate.stationId)).map((gate) => gate.gateId));
    }
    const { gates } = await transit.assignGates({ clientId, gateIds: [...new Set(gateIds)], reason });
    return context.out.result({ clientId, gates }, [
      `${clientId} now operates ${gates.length} gate(s): ${gates.map((gate) => gate.gateId).join(' ')}`,
    ]);
  },
};

const listFareRules: Command = {
  words: ['fare-rules', 'list'],
  usage: 'citypass fare-rules list',
  summary: 'list the fare rules versions, those not yet in effect too (--json: each as a file fare-rules put reads)',
  options: {},
  positionals: 0,
  gateway: true,
  async run(context) {
    const { currency, versions } = await context.transit().listFareRules({});
    return context.out.result(
      { currency, versions: versions.map((rules) => FareRules.toJSON(rules)) },
      versions.map(
        (rules) =>
          `version ${rules.version} from ${rules.effectiveFrom}: ${rules.zoneFares.length} zone fares, ` +
          `transfers within ${rules.transferWindowMinutes} min, adult caps ${rules.dailyCap?.adultMinor ?? 0n}/day ` +
          `${rules.weeklyCap?.adultMinor ?? 0n}/week (${currency} minor units)`,
      ),
    );
  },
};

const putFareRules: Command = {
  words: ['fare-rules', 'put'],
  usage: 'citypass fare-rules put <rules.json> [--effective-from YYYY-MM-DD] --reason <text> [--idempotency-key <key>]',
  summary: 'add a fare rules version from a file (the form fare-rules list --json prints), effective from a later day',
  options: { 'effective-from': { type: 'string' }, reason: { type: 'string' }, ...idempotencyKeyOption },
  positionals: 1,
  gateway: true,
  async run(context) {
    const read = readRulesFile(context);
    if ('usage' in read) return context.out.usage(read.usage);
    const reason = text(context, 'reason');
    if (reason.trim() === '') return context.out.usage('fare-rules put needs --reason (kept in the audit log)');
    const { parsed, effectiveFrom } = read;
    const idempotencyKey = keyOf(context);
    // The version is transit's to number (the next one); a number in the file, copied from a listed version, is
    // not a request for that number.
    const { rules } = await context.transit().putFareRules({
      idempotencyKey,
      reason,
      rules: { ...parsed, version: 0, effectiveFrom },
    });
    return context.out.result(
      { idempotencyKey, version: rules?.version ?? 0, effectiveFrom: rules?.effectiveFrom ?? '' },
      [
        `fare rules version ${rules?.version ?? 0} from ${rules?.effectiveFrom ?? ''} (idempotency key ${idempotencyKey})`,
      ],
    );
  },
};

const previewFareRules: Command = {
  words: ['fare-rules', 'preview'],
  usage: 'citypass fare-rules preview <rules.json> [--effective-from YYYY-MM-DD]',
  summary:
    "what a fare rules file would change: the last 7 days' riders (or a sample week) priced under today's rules and it",
  options: { 'effective-from': { type: 'string' } },
  positionals: 1,
  gateway: true,
  async run(context) {
    const read = readRulesFile(context);
    if ('usage' in read) return context.out.usage(read.usage);
    const preview = await context.transit().previewFareRules({
      rules: { ...read.parsed, version: 0, effectiveFrom: read.effectiveFrom },
    });
    const line = (totals: FarePreviewTotals | undefined, label: string): string =>
      `${label}: ${totals?.riders ?? 0} riders, ${totals?.journeysBefore ?? 0} journeys, ` +
      `${totals?.revenueBeforeMinor ?? 0n} -> ${totals?.revenueAfterMinor ?? 0n} ${preview.currency} minor units, ` +
      `${totals?.ridersPayingMore ?? 0} pay more, ${totals?.ridersPayingLess ?? 0} pay less`;
    return context.out.result(PreviewFareRulesResponse.toJSON(preview) as Record<string, unknown>, [
      `${preview.source === 'sample_week' ? 'sample week' : 'recorded taps'} ${preview.firstServiceDate} to ` +
        `${preview.lastServiceDate}, version ${preview.versionInForce} in force against the file`,
      line(preview.total, 'everyone'),
      ...preview.byConcession.map((totals) => line(totals, totals.concession)),
      ...(preview.ridersLimited ? ['(only the first riders were replayed)'] : []),
    ]);
  },
};

const listDenyList: Command = {
  words: ['deny-list'],
  usage: 'citypass deny-list [--page-size <n>] [--page-token <token>]',
  summary: 'list the residents gates deny for an unpaid fare: the debt and since when, longest denied first',
  options: { 'page-size': { type: 'string' }, 'page-token': { type: 'string' } },
  positionals: 0,
  gateway: true,
  async run(context) {
    const pageSizeText = text(context, 'page-size');
    if (pageSizeText !== '' && !/^\d{1,4}$/.test(pageSizeText))
      return context.out.usage('--page-size is a whole number');
    const page = await context
      .transit()
      .listDenyList({ pageSize: Number(pageSizeText), pageToken: text(context, 'page-token') });
    return context.out.result(ListDenyListResponse.toJSON(page) as Record<string, unknown>, [
      ...(page.entries.length === 0
        ? ['nobody is on the deny list']
        : page.entries.map(
            (entry) =>
              `${entry.residentId}  owes ${entry.debtMinor} ${entry.currency} minor units since ` +
              `${entry.since?.toISOString() ?? ''} (${entry.reason}` +
              `${entry.riskDecisionId === '' ? '' : `, risk decision ${entry.riskDecisionId}`})`,
          )),
      ...(page.nextPageToken === '' ? [] : [`more: --page-token ${page.nextPageToken}`]),
    ]);
  },
};

/** The rules file named by the first positional, and the effective date (--effective-from over the file's). */
function readRulesFile(context: CommandContext): { parsed: FareRules; effectiveFrom: string } | { usage: string } {
  const path = context.positionals[0] ?? '';
  let file: string;
  try {
    file = readFileSync(path, 'utf8');
  } catch (error) {
    return { usage: `cannot read ${path}: ${error instanceof Error ? error.message : String(error)}` };
  }
  const parsed = parseFareRulesFile(file);
  if ('problem' in parsed) return { usage: `${path}: ${parsed.problem}` };
  return { parsed, effectiveFrom: text(context, 'effective-from') || parsed.effectiveFrom };
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.map(String).filter((item) => item !== '') : [];
}

export const transitCommands: readonly Command[] = [
  listGates,
  assignGates,
  listFareRules,
  putFareRules,
  previewFareRules,
  listDenyList,
];
