// Issuance of the resident credential: an SD-JWT VC style ES256 JWS with no disclosures, bound to the phone's key
// through cnf.jwk (RFC 7800) and revocable through a status list index. Claim names are short on purpose: the
// credential and a presentation must fit in one QR code (< 1,000 bytes).
import { isConcession, type Concession } from '@citypass/contracts';

export { concessions, type Concession } from '@citypass/contracts';
import type { KeyObject } from 'node:crypto';
import { claimError, integerClaim, objectClaim, optionalStringClaim, stringClaim } from './claim_fields.ts';
import { credentialReasons } from './errors.ts';
import { importDevicePublicJwk, type EcPublicJwk } from './jwk.ts';
import { signJws, type JsonObject } from './jws.ts';

export const credentialVct = 'urn:citypass:resident:1';
export const credentialTyp = 'dc+sd-jwt';

export type CredentialClaims = {
  readonly iss: string;
  readonly sub: string;
  readonly vct: string;
  readonly jti: string;
  readonly iat: number;
  readonly exp: number;
  /** The device key as received; importDevicePublicJwk decides whether it is a valid public P-256 key. */
  readonly cnf: { readonly jwk: JsonObject };
  readonly concession: Concession;
  readonly plan?: string;
  readonly status: { readonly status_list: { readonly idx: number; readonly uri: string } };
};

export type IssueCredentialInput = {
  readonly issuer: string;
  readonly residentId: string;
  readonly credentialId: string;
  readonly devicePublicJwk: EcPublicJwk;
  readonly concession: Concession;
  /** Coverage plan reference; empty or absent leaves the claim out. */
  readonly plan?: string;
  readonly statusIndex: number;
  readonly statusUri: string;
  readonly issuedAtMs: number;
  readonly expiresAtMs: number;
};

export type CredentialSigner = { readonly kid: string; readonly privateKey: KeyObject };

export function issueCredential(input: IssueCredentialInput, signer: CredentialSigner): string {
  importDevicePublicJwk(input.devicePublicJwk);
  const claims: JsonObject = {
    iss: input.issuer,
    sub: input.residentId,
    vct: credentialVct,
    jti: input.credentialId,
    iat: Math.floor(input.issuedAtMs / 1000),
    exp: Math.floor(input.expiresAtMs / 1000),
    cnf: { jwk: { kty: 'EC', crv: 'P-256', x: input.devicePublicJwk.x, y: input.devicePublicJwk.y } },
    concession: input.concession,
    ...(input.plan === undefined || input.plan === '' ? {} : { plan: input.plan }),
    status: { status_list: { idx: input.statusIndex, uri: input.statusUri } },
  };
  const parsed = parseCredentialClaims(claims);
  if (parsed.exp <= parsed.iat) throw claimError(credentialReasons.CREDENTIAL_CLAIMS_INVALID, 'exp must be after iat');
  return signJws({ alg: 'ES256', typ: credentialTyp, kid: signer.kid }, claims, signer.privateKey);
}

/** Checks the type of every claim; values (issuer, vct, times, the device key) are the verifier's business. */
export function parseCredentialClaims(payload: JsonObject): CredentialClaims {
  const reason = credentialReasons.CREDENTIAL_CLAIMS_INVALID;
  const jwk = objectClaim(objectClaim(payload, 'cnf', reason), 'jwk', reason);
  const concession = payload['concession'];
  if (typeof concession !== 'string' || !isConcession(concession))
    throw claimError(reason, 'concession is not a known concession');
  const statusList = objectClaim(objectClaim(payload, 'status', reason), 'status_list', reason);
  const plan = optionalStringClaim(payload, 'plan', reason);
  return {
    iss: stringClaim(payload, 'iss', reason),
    sub: stringClaim(payload, 'sub', reason),
    vct: stringClaim(payload, 'vct', reason),
    jti: stringClaim(payload, 'jti', reason),
    iat: integerClaim(payload, 'iat', reason),
    exp: integerClaim(payload, 'exp', reason),
    cnf: { jwk },
    concession,
    ...(plan === undefined ? {} : { plan }),
    status: {
      status_list: { idx: integerClaim(statusList, 'idx', reason), uri: stringClaim(statusList, 'uri', reason) },
    },
  };
}
