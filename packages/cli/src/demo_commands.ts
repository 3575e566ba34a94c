// For newcomers: a demo resident on a simulated phone (created by the operator, enrolled and given its credential
// over the same protocols a real phone speaks), and fresh presentations from it to try a gate, a charge or a clinic.
import { randomBytes } from 'node:crypto';
import { createPresentation, maxPresentationTtlSeconds } from '@citypass/credential';
import { exportDeviceKey, ResidentApp } from '@citypass/phone';
import { ConcessionClass } from '@citypass/proto/identity/v1/identity';
import { renderUnicodeCompact } from 'uqr';
import type { Command, CommandContext } from './commands.ts';
import type { ExitCode } from './exit_codes.ts';
import { concessions, text } from './command_values.ts';
import { demoPhonePath, loadDemoPhone, saveDemoPhone } from './demo_phone.ts';

const demoResident: Command = {
  words: ['demo', 'resident'],
  usage: 'citypass demo resident [--concession adult|child|senior|student] [--plan <coverage plan>]',
  summary: 'create and enroll a demo resident on a simulated phone kept on this machine (replaces the previous one)',
  options: { concession: { type: 'string', default: 'adult' }, plan: { type: 'string', default: '' } },
  positionals: 0,
  gateway: true,
  async run(context) {
    const concession = concessions[text(context, 'concession')];
    if (concession === undefined)
      return context.out.usage(`--concession must be one of ${Object.keys(concessions).join(', ')}`);
    const created = await context.identity().createResident({
      idempotencyKey: randomBytes(12).toString('hex'),
      givenName: 'Demo',
      familyName: 'Resident',
      birthDate: concession === ConcessionClass.CONCESSION_CLASS_SENIOR ? '1950-01-01' : '1990-01-01',
      concessionClass: concession,
      coveragePlanRef: text(context, 'plan'),
    });
    const residentId = created.resident?.residentId ?? '';
    const app = new ResidentApp(context.gateway.identityUrl);
    // The password is never needed again: another demo resident is made instead of signing this one in.
    const token = await app.enroll(created.enrollmentCode?.code ?? '', randomBytes(18).toString('base64url'));
    const credential = await app.issueCredential(token);
    const path = demoPhonePath(context.env);
    saveDemoPhone(path, {
      issuer: context.gateway.identityUrl,
      residentId,
      credential,
      deviceKey: exportDeviceKey(app.deviceKey),
      counter: 0,
    });
    return context.out.result({ residentId, phone: path }, [
      `demo resident ${residentId} enrolled; their phone is kept in ${path}`,
      'next: citypass demo present --audience transit   (a fresh presentation, valid 30 s)',
    ]);
  },
};

const demoPresent: Command = {
  words: ['demo', 'present'],
  usage:
    'citypass demo present --audience <service> [--amount-cap <minor units> [--currency EUR]] [--ttl <seconds>] [--qr]',
  summary: "print a fresh presentation from the demo resident's phone (--qr also draws it as a QR code on stderr)",
  options: {
    audience: { type: 'string' },
    'amount-cap': { type: 'string' },
    currency: { type: 'string', default: 'EUR' },
    ttl: { type: 'string', default: '30' },
    qr: { type: 'boolean', default: false },
  },
  positionals: 0,
  gateway: false,
  run(context: CommandContext) {
    return Promise.resolve(present(context));
  },
};

function present(context: CommandContext): ExitCode {
  const audience = text(context, 'audience');
  if (audience === '') return context.out.usage('demo present needs --audience (e.g. transit, or a service name)');
  const ttlSeconds = Number(text(context, 'ttl'));
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > maxPresentationTtlSeconds)
    return context.out.usage(`--ttl must be 1-${maxPresentationTtlSeconds} seconds`);
  const capText = text(context, 'amount-cap');
  const currency = text(context, 'currency');
  if (!/^[A-Z]{3}$/.test(currency)) return context.out.usage('--currency is an ISO 4217 code such as EUR');
  if (capText !== '' && !/^[1-9][0-9]{0,14}$/.test(capText))
    return context.out.usage('--amount-cap is a positive whole number of minor units (250 is 2.50)');
  const path = demoPhonePath(context.env);
  const kept = loadDemoPhone(path);
  if (kept === undefined) return context.out.usage(`no demo phone in ${path}: run citypass demo resident first`);
  const counter = kept.phone.counter + 1;
  saveDemoPhone(path, { ...kept.phone, counter });
  const nowMs = Date.now();
  const presentation = createPresentation({
    credential: kept.phone.credential,
    devicePrivateKey: kept.key.privateKey,
    audience,
    counter,
    nowMs,
    ttlSeconds,
    ...(capText === '' ? {} : { amountCap: { amountMinor: BigInt(capText), currency } }),
  });
  if (context.values.qr === true) context.stderr(`${renderUnicodeCompact(presentation, { ecc: 'L' })}\n`);
  const expiresAt = new Date(nowMs + ttlSeconds * 1000).toISOString();
  return context.out.result({ presentation, audience, counter, expiresAt }, [presentation]);
}

export const demoCommands: readonly Command[] = [demoResident, demoPresent];
