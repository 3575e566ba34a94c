// What an operator session holds. Sessions live in a NATS KV bucket shared by every console replica
// (session_store.ts), sealed with AES-256-GCM; a request loads its session, and every change is written back through
// the store (compare-and-set on the entry's revision), never only to the copy in this process.
import type { OperatorScope } from '@citypass/contracts';
import { DomainError } from '@citypass/platform/errors';

/** An access token for one resource, with its expiry and the scopes identity granted. */
export interface HeldToken {
  readonly token: string;
  readonly expiresAtMs: number;
  readonly scope: string;
}

export interface SignedIn {
  /** `operator:<username>`, the ID token's subject. */
  readonly subject: string;
  readonly username: string;
  readonly roles: readonly string[];
  /** Their scope as the ID token states it ('' where unscoped); the services enforce it from the access tokens. */
  readonly scope: OperatorScope;
  /** When the operator last signed in at identity (the ID token's auth_time), epoch ms. */
  readonly authTimeMs: number;
  readonly refreshToken: string;
  /** Access tokens by resource. */
  readonly tokens: Readonly<Record<string, HeldToken>>;
}

/** A sign-in in progress: what the callback checks the answer against. */
export interface PendingSignIn {
  readonly state: string;
  readonly nonce: string;
  readonly verifier: string;
  readonly returnTo: string;
  readonly maxAgeS: number | undefined;
}

/** A dangerous action waiting for the operator to sign in again. */
export interface PendingRevocation {
  readonly residentId: string;
  readonly credentialId: string;
  readonly reason: string;
}

/**
 * An enrollment code just shown, whose printable letter may be opened once while the code is valid. Only a random
 * ticket is kept: the code itself travels in the form the operator's browser sends back, never stored here.
 */
export interface PendingLetter {
  readonly residentId: string;
  readonly ticket: string;
  readonly expiresAtMs: number;
}

/** A new enrollment code (account recovery) waiting for the operator to sign in again. */
export interface PendingEnrollmentCode {
  readonly residentId: string;
}

/** Fare rules waiting for the operator to sign in again: the form as they sent it. */
export type PendingFareRules = Readonly<Record<string, string>>;
/** A risk rule set promotion waiting for the operator to sign in again: the candidate's version. */
export interface PendingRiskPromotion {
  readonly version: string;
}
/** A dangerous action on an onboarded service waiting for the operator to sign in again. */
export interface PendingServiceAction {
  readonly clientId: string;
  readonly action: 'rotate-secret' | 'suspend' | 'resume';
  readonly reason: string;
  readonly idempotencyKey: string;
}

/** A refund waiting for the operator to sign in again: the form as they sent it (amount as typed). */
export interface PendingRefund {
  readonly holdId: string;
  readonly service: string;
  readonly amount: string;
  readonly reason: string;
  readonly idempotencyKey: string;
}

/** A token refresh under way on some replica: the others wait for its result until `untilMs`. */
export interface RefreshLock {
  readonly owner: string;
  readonly untilMs: number;
}

/** The stored part of a session (sealed in the bucket). */
export interface SessionData {
  readonly csrfToken: string;
  readonly createdAtMs: number;
  lastSeenMs: number;
  signedIn?: SignedIn;
  pendingSignIn?: PendingSignIn;
  pendingRevocation?: PendingRevocation;
  pendingFareRules?: PendingFareRules;
  pendingLetter?: PendingLetter;
  pendingEnrollmentCode?: PendingEnrollmentCode;
  pendingRiskPromotion?: PendingRiskPromotion;
  pendingServiceAction?: PendingServiceAction;
  pendingRefund?: PendingRefund;
  /** A rotation of identity's signing keys waiting for the operator to sign in again: its reason. */
  pendingKeyRotation?: { readonly reason: string };
  refreshLock?: RefreshLock;
}

/**
 * A session as one request sees it: the cookie's id and the bucket entry's revision it was read at. Read-only here:
 * every change goes through SessionStore.change, which writes the stored copy and then updates this one.
 */
export type Session = Readonly<SessionData> & {
  readonly id: string;
  revision: number;
};

/** The session is gone (signed out on another replica, idle, past its lifetime) or its grant is. */
export function sessionExpired(cause?: unknown): DomainError {
  return new DomainError(
    'unauthenticated',
    'SESSION_EXPIRED',
    'the sign-in has expired; sign in again',
    cause === undefined ? undefined : { cause },
  );
}
