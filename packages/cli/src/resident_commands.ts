// `citypass residents show` (a resident with every credential they had and its phone) and `citypass residents
// enrollment-code` (a new code for an existing resident: a lost code, or a lost password or phone).
import { renderUnicodeCompact } from 'uqr';
import type { ResidentCredential } from '@citypass/proto/identity/v1/identity';
import { badLimit, collectPages, concessions } from './command_values.ts';
import type { Command, CommandContext } from './commands.ts';

/** identity's largest ListCredentials page. */
const maxPageSize = 200;

function credentialRow(credential: ResidentCredential) {
  const status = credential.credential;
  return {
    credentialId: status?.credentialId ?? '',
    // 'superseded' apart from 'revoked': a newer phone's credential replaced it.
    status: credential.revokedBy === 'superseded' ? 'superseded' : (status?.status ?? ''),
    revokedBy: credential.revokedBy,
    revokedAt: status?.revokedAt?.toISOString() ?? '',
    revocationReason: status?.revocationReason ?? '',
    deviceThumbprint: credential.deviceThumbprint,
    signingKid: credential.signingKid,
    issuedAt: status?.issuedAt?.toISOString() ?? '',
    expiresAt: status?.expiresAt?.toISOString() ?? '',
  };
}

function credentialLine(row: ReturnType<typeof credentialRow>): string {
  const ended = row.revokedAt === '' ? '' : `, ended ${row.revokedAt} by ${row.revokedBy}: ${row.revocationReason}`;
  return `  ${row.status.padEnd(10)} ${row.credentialId}  device ${row.deviceThumbprint.slice(0, 12)}…  issued ${row.issuedAt}, expires ${row.expiresAt}${ended}`;
}

async function credentialsOf(context: CommandContext, residentId: string) {
  return collectPages(context, maxPageSize, async (pageSize, pageToken) => {
    const page = await context.identity().listCredentials({ residentId, pageSize, pageToken });
    return { items: page.credentials, nextPageToken: page.nextPageToken };
  });
}

const showResident: Command = {
  words: ['residents', 'show'],
  usage: 'citypass residents show <resident id> [--limit <credentials, default 50>]',
  summary:
    'a resident: concession, coverage plan, whether enrolled, their active credential (the id revoke takes) and every credential they had, newest first, with its device key and how it ended',
  options: { limit: { type: 'string', default: '50' } },
  positionals: 1,
  gateway: true,
  async run(context) {
    const residentId = context.positionals[0] ?? '';
    // The credentials first: a bad --limit is a usage error before anything else is asked.
    const found = await credentialsOf(context, residentId);
    if (found === undefined) return badLimit(context);
    const { resident, activeCredential } = await context.identity().getResident({ residentId });
    const credentials = found.items.map(credentialRow);
    const credential =
      activeCredential === undefined
        ? undefined
        : {
            credentialId: activeCredential.credentialId,
            status: activeCredential.status,
            issuedAt: activeCredential.issuedAt?.toISOString() ?? '',
            expiresAt: activeCredential.expiresAt?.toISOString() ?? '',
          };
    const concession = Object.entries(concessions).find(([, value]) => value === resident?.concessionClass)?.[0];
    return context.out.result(
      {
        residentId: resident?.residentId ?? '',
        givenName: resident?.givenName ?? '',
        familyName: resident?.familyName ?? '',
        birthDate: resident?.birthDate ?? '',
        concession: concession ?? '',
        coveragePlan: resident?.coveragePlanRef ?? '',
        enrolled: resident?.enrolled ?? false,
        createdAt: resident?.createdAt?.toISOString() ?? '',
        activeCredential: credential ?? null,
        credentials,
        moreCredentials: found.more,
      },
      [
        `${resident?.givenName ?? ''} ${resident?.familyName ?? ''} (${resident?.residentId ?? ''}), born ${resident?.birthDate ?? ''}`,
        `concession ${concession ?? '?'}, coverage plan ${resident?.coveragePlanRef || '(none)'}, ${resident?.enrolled === true ? 'enrolled' : 'not enrolled yet'}`,
        credential === undefined
          ? 'no active credential'
          : `active credential ${credential.credentialId}, issued ${credential.issuedAt}, expires ${credential.expiresAt}`,
        credentials.length === 0 ? 'no credentials yet' : 'credentials, newest first:',
        ...credentials.map(credentialLine),
        ...(found.more ? ['  (more: raise --limit)'] : []),
      ],
    );
  },
};

const enrollmentCode: Command = {
  words: ['residents', 'enrollment-code'],
  usage: 'citypass residents enrollment-code <resident id> [--qr]',
  summary:
    'a new enrollment code for a resident (shown once; their unused code stops working; enrolling with it sets a new password); --qr also draws it on stderr',
  options: { qr: { type: 'boolean', default: false } },
  positionals: 1,
  gateway: true,
  async run(context) {
    const residentId = context.positionals[0] ?? '';
    const issued = await context.identity().issueEnrollmentCode({ residentId });
    const code = issued.enrollmentCode?.code ?? '';
    const expiresAt = issued.enrollmentCode?.expiresAt?.toISOString() ?? '';
    if (context.values.qr === true) context.stderr(`${renderUnicodeCompact(code)}\n`);
    return context.out.result({ residentId, enrollmentCode: code, enrollmentCodeExpiresAt: expiresAt }, [
      `enrollment code for resident ${residentId} (give it to the resident; valid until ${expiresAt}): ${code}`,
    ]);
  },
};

export const residentCommands: readonly Command[] = [showResident, enrollmentCode];
