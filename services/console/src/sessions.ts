// Operator sessions: an opaque random id in a cookie, the session itself in this process's memory, dropped after
// an idle timeout. A second console instance would need shared sessions (README): later.
import { randomBytes } from 'node:crypto';
import type { OperatorScope } from '@citypass/contracts';

export interface SignedIn {
  /** `operator:<username>`, the ID token's subject. */
  readonly subject: string;
  readonly username: string;
  readonly roles: readonly string[];
  /** Their scope as the ID token states it ('' where unscoped); the services enforce it from the access tokens. */
  readonly scope: OperatorScope;
  /** When the operator last signed in at identity (the ID token's auth_time), epoch ms. */
  readonly authTimeMs: number;
  refreshToken: string;
  /** Access tokens by resource, with their expiry. */
  readonly tokens: Map<string, { token: string; expiresAtMs: number; scope: string }>;
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

/** Fare rules waiting for the operator to sign in again: the form as they sent it. */
export type PendingFareRules = Readonly<Record<string, string>>;
/** A dangerous action on an onboarded service waiting for the operator to sign in again. */
export interface PendingServiceAction {
  readonly clientId: string;
  readonly action: 'rotate-secret' | 'suspend' | 'resume';
  readonly reason: string;
  readonly idempotencyKey: string;
}

export interface Session {
  readonly id: string;
  readonly csrfToken: string;
  lastSeenMs: number;
  signedIn?: SignedIn;
  pendingSignIn?: PendingSignIn;
  pendingRevocation?: PendingRevocation;
  pendingFareRules?: PendingFareRules;
  pendingServiceAction?: PendingServiceAction;
  /** One token refresh at a time per session (identity may rotate the refresh token). */
  refreshing: Promise<unknown>;
}

const maxSessions = 10_000;

export class SessionStore {
  readonly #sessions = new Map<string, Session>();
  readonly #idleMs: number;
  readonly #now: () => number;

  constructor(idleMs: number, now: () => number = Date.now) {
    this.#idleMs = idleMs;
    this.#now = now;
  }

  /** The live session with this id, touched; undefined when unknown or idle too long. */
  get(id: string | undefined): Session | undefined {
    if (id === undefined) return undefined;
    const session = this.#sessions.get(id);
    if (session === undefined) return undefined;
    if (this.#now() - session.lastSeenMs > this.#idleMs) {
      this.#sessions.delete(id);
      return undefined;
    }
    session.lastSeenMs = this.#now();
    return session;
  }

  create(): Session {
    if (this.#sessions.size >= maxSessions) this.sweep();
    // Still full of live sessions: the oldest one goes (a limit on everything).
    if (this.#sessions.size >= maxSessions) {
      const oldest = this.#sessions.keys().next().value;
      if (oldest !== undefined) this.#sessions.delete(oldest);
    }
    const session: Session = {
      id: randomBytes(32).toString('base64url'),
      csrfToken: randomBytes(32).toString('base64url'),
      lastSeenMs: this.#now(),
      refreshing: Promise.resolve(),
    };
    this.#sessions.set(session.id, session);
    return session;
  }

  /** A new id (and CSRF token) for the session's content: done at sign-in, so an id set before it is worthless. */
  renew(session: Session): Session {
    this.#sessions.delete(session.id);
    const renewed: Session = {
      ...session,
      id: randomBytes(32).toString('base64url'),
      csrfToken: randomBytes(32).toString('base64url'),
    };
    this.#sessions.set(renewed.id, renewed);
    return renewed;
  }

  delete(id: string): void {
    this.#sessions.delete(id);
  }

  sweep(): void {
    const now = this.#now();
    for (const [id, session] of this.#sessions) if (now - session.lastSeenMs > this.#idleMs) this.#sessions.delete(id);
  }
}
