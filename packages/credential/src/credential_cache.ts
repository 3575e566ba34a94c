// Credentials that passed every credential-level check, by their exact compact text, so the next presentation of
// the same credential costs one ECDSA verify (the device's) instead of two. Least recently used entries go first;
// expired ones go when touched. Only successes are stored: any other text, even one differing by a byte, misses.
import type { KeyObject } from 'node:crypto';
import type { CredentialClaims } from './credential.ts';

export type VerifiedCredential = {
  readonly claims: CredentialClaims;
  /** Header typ, checked on every presentation in its place in the check order. */
  readonly typ: unknown;
  readonly kid: string;
  readonly issuerKey: KeyObject;
  readonly deviceKey: KeyObject;
  readonly deviceThumbprint: string;
  /** base64url SHA-256 of `<credential>~`, the sd_hash its key bindings must carry. */
  readonly sdHash: string;
  readonly issuedAtMs: number;
  readonly expiresAtMs: number;
};

export class CredentialCache {
  readonly #maxEntries: number;
  readonly #entries = new Map<string, VerifiedCredential>();

  constructor(maxEntries: number) {
    this.#maxEntries = maxEntries;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(compact: string, expiredAtMs: number): VerifiedCredential | undefined {
    const entry = this.#entries.get(compact);
    if (entry === undefined) return undefined;
    this.#entries.delete(compact);
    if (entry.expiresAtMs <= expiredAtMs) return undefined;
    this.#entries.set(compact, entry);
    return entry;
  }

  set(compact: string, entry: VerifiedCredential): void {
    if (this.#maxEntries <= 0) return;
    this.#entries.delete(compact);
    if (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
    this.#entries.set(compact, entry);
  }
}
