import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ResidentCredential } from '@citypass/proto/identity/v1/identity';
import { credentialHistory, credentialState, shortThumbprint } from './resident_credentials.ts';

const credential = (status: string, revokedBy: string, reason = ''): ResidentCredential => ({
  credential: {
    credentialId: '7e54f144-1b09-4f12-a5b8-eca74772dbb0',
    residentId: '3af0b31c-efbc-43bd-a4e3-cd939c0cd1b6',
    status,
    issuedAt: new Date('2026-12-01T10:00:00Z'),
    expiresAt: new Date('2026-12-31T10:00:00Z'),
    revokedAt: revokedBy === '' ? undefined : new Date('2026-12-02T10:00:00Z'),
    revocationReason: reason,
  },
  revokedBy,
  deviceThumbprint: 'Ckf0Blz4JID5mcbQSD2PDFxGsqownr2FaDYW6bBni5GY',
  signingKid: 'k1',
});

test('resident credentials - superseded is told apart from revoked; thumbprints shortened to 12 characters', () => {
  assert.equal(credentialState(credential('active', '')), 'active');
  assert.equal(credentialState(credential('revoked', 'operator', 'stolen')), 'revoked');
  assert.equal(credentialState(credential('revoked', 'superseded', 'new device')), 'superseded');
  assert.equal(credentialState(credential('expired', '')), 'expired');
  assert.equal(shortThumbprint('Ckf0Blz4JID5mcbQSD2PDFxGsqownr2FaDYW6bBni5GY'), 'Ckf0Blz4JID5…');
  assert.equal(shortThumbprint('short'), 'short');
});

test('resident credentials - a revocation shows who, when and the reason, escaped; the next page link keeps the token', async () => {
  const page = {
    credentials: [credential('revoked', 'operator', '<b>lost</b>')],
    nextPageToken: 'tok_1',
  };
  const text = String(await credentialHistory('3af0b31c-efbc-43bd-a4e3-cd939c0cd1b6', { page, error: undefined }));
  assert.match(text, /revoked by the operator, 2026-12-02T10:00:00.000Z: “&lt;b&gt;lost&lt;\/b&gt;”/);
  assert.match(text, /href="\/residents\/3af0b31c-efbc-43bd-a4e3-cd939c0cd1b6\?page=tok_1" rel="next"/);
  const none = String(await credentialHistory('x', { page: { credentials: [], nextPageToken: '' }, error: undefined }));
  assert.match(none, /No credential yet/);
  assert.doesNotMatch(none, /rel="next"/);
});
