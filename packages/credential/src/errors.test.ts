import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CredentialErrorReason } from '@citypass/proto/common/v1/errors';
import { credentialReasons } from './errors.ts';

test('errors - every enum value of CredentialErrorReason is a catalogue reason, and nothing else is', () => {
  const prefix = 'CREDENTIAL_ERROR_REASON_';
  const fromEnum = Object.keys(CredentialErrorReason).filter(
    (name) => name.startsWith(prefix) && !name.endsWith('_UNSPECIFIED'),
  );
  assert.deepEqual(Object.keys(credentialReasons).sort(), fromEnum.map((name) => name.slice(prefix.length)).sort());
});

test('errors - the reasons the verifier was known to send before the catalogue are all still in it', () => {
  const sent = [
    'PRESENTATION_TOO_LARGE',
    'MALFORMED_PRESENTATION',
    'MALFORMED_JWS',
    'JWS_TOO_LARGE',
    'JWS_CRIT_UNSUPPORTED',
    'JWS_TYP_INVALID',
    'ALG_NOT_ALLOWED',
    'DEVICE_KEY_INVALID',
    'CREDENTIAL_CLAIMS_INVALID',
    'PRESENTATION_CLAIMS_INVALID',
    'JWKS_INVALID',
    'ISSUER_KEY_UNKNOWN',
    'ISSUER_KEYS_UNAVAILABLE',
    'CREDENTIAL_SIGNATURE_INVALID',
    'ISSUER_MISMATCH',
    'CREDENTIAL_TYPE_UNSUPPORTED',
    'CREDENTIAL_NOT_YET_VALID',
    'CREDENTIAL_EXPIRED',
    'PRESENTATION_SIGNATURE_INVALID',
    'AUDIENCE_MISMATCH',
    'SD_HASH_MISMATCH',
    'PRESENTATION_NOT_YET_VALID',
    'PRESENTATION_EXPIRED',
    'PRESENTATION_TTL_TOO_LONG',
    'CREDENTIAL_REVOKED',
    'PRESENTATION_REPLAYED',
    'COUNTER_NOT_INCREASING',
    'REPLAY_CACHE_FULL',
    'REVOCATIONS_UNAVAILABLE',
    'TOKEN_INVALID',
    'TOKEN_EXPIRED',
  ];
  assert.deepEqual(
    sent.filter((reason) => !Object.hasOwn(credentialReasons, reason)),
    [],
  );
});
