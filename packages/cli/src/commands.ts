// The commands of `citypass`: each names its flags (parsed strictly: an unknown flag is a usage error, nothing is
// sent), checks what the command line alone can check, and makes one call to the gateway. Every call that creates
// something carries an idempotency key; without --idempotency-key one is made up and printed, so a command that
// failed for want of an answer can be repeated with it and not create twice.
import { geoPointFromDegrees } from '@citypass/contracts';
import { randomBytes } from 'node:crypto';
import type { ParseArgsOptionsConfig } from 'node:util';
import { listAudit } from './audit_command.ts';
import { concessions, text } from './command_values.ts';
import type { ExitCode } from './exit_codes.ts';
import type { Gateway, IdentityClient, TransitClient, WalletClient } from './gateway.ts';
import type { Output } from './output.ts';

export interface CommandContext {
  readonly values: Readonly<Record<string, string | boolean | (string | boolean)[] | undefined>>;
  readonly positionals: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly out: Output;
  /** For what a person sees beside the result (a QR code), never for what a script parses. */
  readonly stderr: (text: string) => void;
  /** All of standard input (for a secret that must not be on the command line). */
  readonly readStdin: () => Promise<string>;
  readonly gateway: Gateway;
  readonly identity: () => IdentityClient;
  readonly transit: () => TransitClient;
  readonly wallet: () => WalletClient;
}

export interface Command {
  /** The words that select it, e.g. ['residents', 'create']. */
  readonly words: readonly string[];
  readonly usage: string;
  readonly summary: string;
  readonly options: ParseArgsOptionsConfig;
  /** How many positional arguments follow the words. */
  readonly positionals: number;
  /** Whether it calls the gateway (and so needs the operator's sign-in). */
  readonly gateway: boolean;
  run(context: CommandContext): Promise<ExitCode>;
}

export const idempotencyKeyOption = { 'idempotency-key': { type: 'string' } } as const;
export const keyOf = (context: CommandContext): string =>
  text(context, 'idempotency-key') || randomBytes(12).toString('hex');

const onboard: Command = {
  words: ['onboard'],
  usage:
    'citypass onboard <name> --display-name <text> --contact-email <email> [--scope <verb>:<name>]... [--location <lat>,<lon>]',
  summary:
    "onboard a city service: its OIDC client, its charge scope and the extra scopes, and where its counter is (decimal degrees, for the wallet's travel checks); prints the client's secret once",
  options: {
    'display-name': { type: 'string' },
    'contact-email': { type: 'string' },
    location: { type: 'string' },
    scope: { type: 'string', multiple: true },
    ...idempotencyKeyOption,
  },
  positionals: 1,
  gateway: true,
  async run(context) {
    const name = context.positionals[0] ?? '';
    const displayName = text(context, 'display-name');
    const contactEmail = text(context, 'contact-email');
    if (displayName === '' || contactEmail === '')
      return context.out.usage('onboard needs --display-name and --contact-email');
    const locationText = text(context, 'location');
    const location = locationText === '' ? undefined : geoPointFromDegrees(locationText);
    if (locationText !== '' && location === undefined)
      return context.out.usage('--location is <latitude>,<longitude> in decimal degrees (-90 to 90, -180 to 180)');
    const idempotencyKey = keyOf(context);
    const scopes = context.values.scope;
    const onboarded = await context.identity().onboardService({
      idempotencyKey,
      name,
      displayName,
      contactEmail,
      extraScopes: Array.isArray(scopes) ? scopes.map(String) : [],
      jwksJson: '',
      location,
    });
    return context.out.result(
      {
        idempotencyKey,
        clientId: onboarded.clientId,
        clientSecret: onboarded.clientSecret,
        scopes: onboarded.scopes,
        tokenEndpoint: onboarded.tokenEndpoint,
      },
      [
        `onboarded ${onboarded.clientId} (idempotency key ${idempotencyKey})`,
        `scopes: ${onboarded.scopes.join(' ')}`,
        `token endpoint: ${onboarded.tokenEndpoint}`,
        `client secret (shown once, store it now): ${onboarded.clientSecret}`,
      ],
    );
  },
};

const createResident: Command = {
  words: ['residents', 'create'],
  usage:
    'citypass residents create --given-name <text> --family-name <text> --birth-date <YYYY-MM-DD> [--concession adult|child|senior|student] [--plan <coverage plan>]',
  summary: 'create a resident and print the enrollment code they enroll their phone with (shown once)',
  options: {
    'given-name': { type: 'string' },
    'family-name': { type: 'string' },
    'birth-date': { type: 'string' },
    concession: { type: 'string', default: 'adult' },
    plan: { type: 'string', default: '' },
    ...idempotencyKeyOption,
  },
  positionals: 0,
  gateway: true,
  async run(context) {
    const concession = concessions[text(context, 'concession')];
    if (concession === undefined)
      return context.out.usage(`--concession must be one of ${Object.keys(concessions).join(', ')}`);
    const idempotencyKey = keyOf(context);
    const created = await context.identity().createResident({
      idempotencyKey,
      givenName: text(context, 'given-name'),
      familyName: text(context, 'family-name'),
      birthDate: text(context, 'birth-date'),
      concessionClass: concession,
      coveragePlanRef: text(context, 'plan'),
    });
    const residentId = created.resident?.residentId ?? '';
    const code = created.enrollmentCode?.code ?? '';
    const expiresAt = created.enrollmentCode?.expiresAt?.toISOString() ?? '';
    return context.out.result(
      { idempotencyKey, residentId, enrollmentCode: code, enrollmentCodeExpiresAt: expiresAt },
      [
        `created resident ${residentId} (idempotency key ${idempotencyKey})`,
        `enrollment code (give it to the resident; valid until ${expiresAt}): ${code}`,
      ],
    );
  },
};

const revoke: Command = {
  words: ['revoke'],
  usage: 'citypass revoke <credential id> --reason <text>',
  summary: "revoke a resident's credential (a lost or stolen phone): gates and the wallet refuse it from then on",
  options: { reason: { type: 'string' } },
  positionals: 1,
  gateway: true,
  async run(context) {
    const reason = text(context, 'reason');
    if (reason === '') return context.out.usage('revoke needs --reason (kept in the audit log)');
    const revoked = await context.identity().revokeCredential({ credentialId: context.positionals[0] ?? '', reason });
    const credential = revoked.credential;
    return context.out.result(
      {
        credentialId: credential?.credentialId ?? '',
        residentId: credential?.residentId ?? '',
        status: credential?.status ?? '',
        revokedAt: credential?.revokedAt?.toISOString() ?? '',
      },
      [
        `credential ${credential?.credentialId ?? ''} of resident ${credential?.residentId ?? ''}: ${credential?.status ?? ''}`,
      ],
    );
  },
};

export const operatorCommands: readonly Command[] = [onboard, createResident, revoke, listAudit];
