// A presentation is the credential followed by a Key-Binding JWT the phone signs with its device key
// (SD-JWT with no disclosures plus key binding): `<credential>~<kb-jwt>`. The KB-JWT names the audience, a short
// validity window, a fresh nonce, the device's monotonic counter and the hash of the credential it binds to.
import { isCurrencyCode } from '@citypass/platform/money';
import assert from 'node:assert/strict';
import { hash, randomBytes, type KeyObject } from 'node:crypto';
import { encodeBase64Url } from './base64url.ts';
import { claimError, integerClaim, objectClaim, stringClaim } from './claim_fields.ts';
import { credentialError, credentialReasons } from './errors.ts';
import { signJws, type JsonObject } from './jws.ts';

export const keyBindingTyp = 'kb+jwt';
export const maxPresentationTtlSeconds = 60;
const nonceBytes = 12;
const minNonceLength = 16;
const maxNonceLength = 64;
const nonceCharacters = /^[A-Za-z0-9_-]+$/;
const amountTextPattern = /^(0|[1-9][0-9]{0,18})$/;

/** The most the holder allows this presentation to be charged, in integer minor units of an ISO 4217 currency. */
export type AmountCap = { readonly amountMinor: bigint; readonly currency: string };

export type PresentationClaims = {
  readonly aud: string;
  readonly iat: number;
  readonly exp: number;
  readonly nonce: string;
  readonly ctr: number;
  readonly sd_hash: string;
  readonly cap?: AmountCap;
};

export type CreatePresentationInput = {
  readonly credential: string;
  readonly devicePrivateKey: KeyObject;
  readonly audience: string;
  readonly counter: number;
  readonly nowMs: number;
  /** Default 30; the verifier refuses more than 60. */
  readonly ttlSeconds?: number;
  readonly amountCap?: AmountCap;
};

/** The phone side (and tests): returns the wire form `<credential>~<kb-jwt>`. */
export function createPresentation(input: CreatePresentationInput): string {
  const iat = Math.floor(input.nowMs / 1000);
  const cap = input.amountCap;
  const payload = {
    aud: input.audience,
    iat,
    exp: iat + (input.ttlSeconds ?? 30),
    nonce: encodeBase64Url(randomBytes(nonceBytes)),
    ctr: input.counter,
    sd_hash: sdHashOf(`${input.credential}~`),
    ...(cap === undefined ? {} : { cap: { amt: amountToWire(cap.amountMinor), cur: cap.currency } }),
  };
  const keyBinding = signJws({ alg: 'ES256', typ: keyBindingTyp }, payload, input.devicePrivateKey);
  return `${input.credential}~${keyBinding}`;
}

/** base64url(SHA-256(text)), where text is the credential followed by '~' as SD-JWT defines it. */
export function sdHashOf(credentialWithTilde: string): string {
  return hash('sha256', credentialWithTilde, 'base64url');
}

/** Splits `<credential>~<kb-jwt>`; disclosures and missing key binding are refused. */
export function splitPresentation(wire: string): { credential: string; keyBinding: string } {
  const separator = wire.indexOf('~');
  if (separator <= 0 || separator !== wire.lastIndexOf('~') || separator === wire.length - 1) {
    throw credentialError(
      'invalid_argument',
      credentialReasons.MALFORMED_PRESENTATION,
      'presentation must be <credential>~<kb-jwt>',
    );
  }
  return { credential: wire.slice(0, separator), keyBinding: wire.slice(separator + 1) };
}

export function parsePresentationClaims(payload: JsonObject): PresentationClaims {
  const reason = credentialReasons.PRESENTATION_CLAIMS_INVALID;
  const nonce = stringClaim(payload, 'nonce', reason);
  if (nonce.length < minNonceLength || nonce.length > maxNonceLength || !nonceCharacters.test(nonce)) {
    throw claimError(reason, `nonce must be ${minNonceLength}-${maxNonceLength} base64url characters`);
  }
  const iat = integerClaim(payload, 'iat', reason);
  const exp = integerClaim(payload, 'exp', reason);
  if (exp <= iat) throw claimError(reason, 'exp must be after iat');
  const claims: { -readonly [K in keyof PresentationClaims]: PresentationClaims[K] } = {
    aud: stringClaim(payload, 'aud', reason),
    iat,
    exp,
    nonce,
    ctr: integerClaim(payload, 'ctr', reason),
    sd_hash: stringClaim(payload, 'sd_hash', reason),
  };
  if (payload['cap'] !== undefined) claims.cap = parseAmountCap(objectClaim(payload, 'cap', reason));
  return claims;
}

function parseAmountCap(cap: JsonObject): AmountCap {
  const amount = cap['amt'];
  const currency = cap['cur'];
  if (typeof currency !== 'string' || !isCurrencyCode(currency)) {
    throw claimError(credentialReasons.PRESENTATION_CLAIMS_INVALID, 'cap.cur must be an ISO 4217 code');
  }
  if (typeof amount === 'number' && Number.isSafeInteger(amount) && amount >= 0)
    return { amountMinor: BigInt(amount), currency };
  if (typeof amount === 'string' && amountTextPattern.test(amount)) return { amountMinor: BigInt(amount), currency };
  throw claimError(
    credentialReasons.PRESENTATION_CLAIMS_INVALID,
    'cap.amt must be a non-negative integer of minor units',
  );
}

function amountToWire(amountMinor: bigint): number | string {
  assert(amountMinor >= 0n, 'amount cap must not be negative');
  return amountMinor <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(amountMinor) : amountMinor.toString();
}
