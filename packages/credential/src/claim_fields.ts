// Typed reads of JSON claim objects. Each failure names the claim (never its value) under the caller's reason.
import type { DomainError } from '@citypass/platform/errors';
import { credentialError, type CredentialErrorReason } from './errors.ts';
import { isJsonObject, type JsonObject } from './jws.ts';

export type ClaimReason = Extract<CredentialErrorReason, 'CREDENTIAL_CLAIMS_INVALID' | 'PRESENTATION_CLAIMS_INVALID'>;

const maxClaimLength = 256;

export function stringClaim(claims: JsonObject, name: string, reason: ClaimReason): string {
  const value = claims[name];
  if (typeof value !== 'string' || value.length === 0 || value.length > maxClaimLength) {
    throw claimError(reason, `${name} must be a non-empty string of at most ${maxClaimLength} characters`);
  }
  return value;
}

export function optionalStringClaim(claims: JsonObject, name: string, reason: ClaimReason): string | undefined {
  return claims[name] === undefined ? undefined : stringClaim(claims, name, reason);
}

/** A non-negative safe integer (NumericDate seconds, counters, indexes). */
export function integerClaim(claims: JsonObject, name: string, reason: ClaimReason): number {
  const value = claims[name];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw claimError(reason, `${name} must be a non-negative integer`);
  }
  return value;
}

export function objectClaim(claims: JsonObject, name: string, reason: ClaimReason): JsonObject {
  const value = claims[name];
  if (!isJsonObject(value)) throw claimError(reason, `${name} must be a JSON object`);
  return value;
}

export function claimError(reason: ClaimReason, message: string): DomainError {
  return credentialError('invalid_argument', reason, message);
}
