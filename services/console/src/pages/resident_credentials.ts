// A resident's credentials and the phones they are bound to, newest first: identity's ListCredentials, a page at a
// time (the page token in the resident page's URL). Each shows its device key's thumbprint (shortened), when it was
// issued, and how it ended: revoked (by whom, when, why), superseded by a newer phone's, or expired.
import { html } from 'hono/html';
import type { ListCredentialsResponse, ResidentCredential } from '@citypass/proto/identity/v1/identity';
import { asOperatorOnIdentity, type ConsoleDeps } from '../deps.ts';
import type { Session } from '../sessions.ts';
import { alert, type FieldError, type Html } from './layout.ts';
import { listPageSize, nextPageLink } from './lists.ts';
import { isFormRefusal } from './refusals.ts';

export interface CredentialHistory {
  readonly page: ListCredentialsResponse | undefined;
  /** identity refused the page (a page token from elsewhere). */
  readonly error: FieldError | undefined;
}

export async function findCredentials(
  deps: ConsoleDeps,
  session: Session,
  residentId: string,
  pageToken: string,
): Promise<CredentialHistory> {
  try {
    const page = await deps.identity.listCredentials(
      { residentId, pageSize: listPageSize, pageToken },
      await asOperatorOnIdentity(deps, session),
    );
    return { page, error: undefined };
  } catch (error) {
    if (!isFormRefusal(error)) throw error;
    return { page: undefined, error: { message: error.message, reason: error.reason } };
  }
}

/** Enough of a device key's thumbprint to tell phones apart on a screen (the full one is in the CLI's --json). */
export const shortThumbprint = (thumbprint: string): string =>
  thumbprint.length > 12 ? `${thumbprint.slice(0, 12)}…` : thumbprint;

/** What the operator reads in the status column: superseded apart from revoked. */
export function credentialState(credential: ResidentCredential): string {
  if (credential.revokedBy === 'superseded') return 'superseded';
  return credential.credential?.status ?? '';
}

function ending(credential: ResidentCredential): Html {
  const status = credential.credential;
  if (status?.revokedAt === undefined) return html``;
  const by =
    credential.revokedBy === 'superseded' ? 'superseded by a newer phone' : `revoked by the ${credential.revokedBy}`;
  return html`${by}, ${status.revokedAt.toISOString()}${status.revocationReason === '' ? '' : html`: “${status.revocationReason}”`}`;
}

export function credentialHistory(residentId: string, history: CredentialHistory): Html {
  const credentials = history.page?.credentials ?? [];
  return html`<section id="credential-history" aria-labelledby="credential-history-heading">
<h2 id="credential-history-heading">Credentials and devices</h2>
${history.error === undefined ? '' : alert(history.error)}
${
  credentials.length === 0
    ? html`<p>${history.page === undefined ? 'Not shown.' : 'No credential yet: the resident has not enrolled a phone.'}</p>`
    : html`<table>
<caption>Newest first. identity does not learn where a credential is presented (gates and services check it offline), so no last use is shown.</caption>
<thead><tr><th scope="col">Status</th><th scope="col">Credential id</th><th scope="col">Device key</th><th scope="col">Issued</th><th scope="col">Expires</th><th scope="col">Ended</th></tr></thead>
<tbody>${credentials.map(
        (credential) =>
          html`<tr class="credential-${credentialState(credential)}"><td>${credentialState(credential)}</td><td><code>${credential.credential?.credentialId ?? ''}</code></td><td><code>${shortThumbprint(credential.deviceThumbprint)}</code></td><td>${credential.credential?.issuedAt?.toISOString() ?? ''}</td><td>${credential.credential?.expiresAt?.toISOString() ?? ''}</td><td>${ending(credential)}</td></tr>`,
      )}</tbody>
</table>`
}
${nextPageLink(`/residents/${residentId}`, {}, history.page?.nextPageToken ?? '', 'Older credentials')}
</section>`;
}
