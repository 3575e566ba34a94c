// The transit operator's commands (`transit:admin`): which gate client may use which gates, and the fare rules
// versions (a new one only from a later service day: transit refuses today's).
import { readFileSync } from 'node:fs';
import { FareRules } from '@citypass/proto/transit/v1/transit';
import { idempotencyKeyOption, keyOf, type Command } from './commands.ts';
import { text } from './command_values.ts';
import { parseFareRulesFile } from './fare_rules_file.ts';

const listGates: Command = {
  words: ['gates', 'list'],
  usage: 'citypass gates list [--station <station id>]',
  summary: 'list the metro gates, their station and the gate client each is assigned to',
  options: { station: { type: 'string' } },
  positionals: 0,
  gateway: true,
  async run(context) {
    const station = text(context, 'station');
    const { gates } = await context.transit().listGates({});
    const shown = station === '' ? gates : gates.filter((gate) => gate.stationId === station);
    return context.out.result(
      { gates: shown },
      shown.length === 0
        ? ['no gates']
        : shown.map((gate) => `${gate.gateId}  ${gate.stationId}  ${gate.clientId || '(unassigned)'}  ${gate.name}`),
    );
  },
};

const assignGates: Command = {
  words: ['gates', 'assign'],
  usage: 'citypass gates assign --client <gate client id> (--gate <gate id>... | --station <station id>...)',
  summary: 'hand gates to a gate client (onboarded with gate:<client>): only it may tap and read as those gates',
  options: {
    client: { type: 'string' },
    gate: { type: 'string', multiple: true },
    station: { type: 'string', multiple: true },
  },
  positionals: 0,
  gateway: true,
  async run(context) {
    const clientId = text(context, 'client');
    const gateIds = strings(context.values.gate);
    const stations = strings(context.values.station);
    if (clientId === '') return context.out.usage('gates assign needs --client');
    if (gateIds.length === 0 && stations.length === 0)
      return context.out.usage('gates assign needs --gate <gate id> or --station <station id> (repeatable)');
    const transit = context.transit();
    if (stations.length > 0) {
      const { gates } = await transit.listGates({});
      const known = new Set(gates.map((gate) => gate.stationId));
      const unknown = stations.filter((station) => !known.has(station));
      if (unknown.length > 0) return context.out.usage(`no gates at station(s) ${unknown.join(', ')}`);
      gateIds.push(...gates.filter((gate) => stations.includes(gate.stationId)).map((gate) => gate.gateId));
    }
    const { gates } = await transit.assignGates({ clientId, gateIds: [...new Set(gateIds)] });
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
  usage: 'citypass fare-rules put <rules.json> [--effective-from YYYY-MM-DD] [--idempotency-key <key>]',
  summary: 'add a fare rules version from a file (the form fare-rules list --json prints), effective from a later day',
  options: { 'effective-from': { type: 'string' }, ...idempotencyKeyOption },
  positionals: 1,
  gateway: true,
  async run(context) {
    const path = context.positionals[0] ?? '';
    let file: string;
    try {
      file = readFileSync(path, 'utf8');
    } catch (error) {
      return context.out.usage(`cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`);
    }
    const parsed = parseFareRulesFile(file);
    if ('problem' in parsed) return context.out.usage(`${path}: ${parsed.problem}`);
    const effectiveFrom = text(context, 'effective-from') || parsed.effectiveFrom;
    const idempotencyKey = keyOf(context);
    // The version is transit's to number (the next one); a number in the file, copied from a listed version, is
    // not a request for that number.
    const { rules } = await context.transit().putFareRules({
      idempotencyKey,
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

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.map(String).filter((item) => item !== '') : [];
}

export const transitCommands: readonly Command[] = [listGates, assignGates, listFareRules, putFareRules];
