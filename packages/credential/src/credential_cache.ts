// Credentials that passed every credential-level check, so the next presentation of the same credential costs one
// ECDSA verify (the device's) instead of two. Looked up by the signature part (short, so cheap to hash) and then
// compared in full: only the exact text that was verified hits, any other text, even one byte off, misses. Least
// recently used entries go first; expired ones go when touched. Only successes are ever stored.
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

type Entry = { readonly compact: string; readonly credential: VerifiedCredential };

export class CredentialCache {
  readonly #maxEntries: number;
  readonly #entries = new Map<string, Entry>();

  constructor(maxEntries: number) {
    this.#maxEntries = maxEntries;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The verified credential for exactly this compact text, unless it expired at or before `expiredAtMs`. */
  get(compact: string, expiredAtMs: number): VerifiedCredential | undefined {
    const key = signaturePart(compact);
    const entry = this.#entries.get(key);
    if (entry?.compact !== compact) return undefined;
    this.#entries.delete(key);
    if (entry.credential.expiresAtMs <= expiredAtMs) return undefined;
    this.#entries.set(key, entry);
    return entry.credential;
  }

  set(compact: string, credential: VerifiedCredential): void {
    if (this.#maxEntries <= 0) return;
    const key = signaturePart(compact);
    this.#entries.delete(key);
    if (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
    this.#entries.set(key, { compact, credential });
  }
}

function signaturePart(compact: string): string {
  return compact.slice(compact.lastIndexOf('.') + 1);
}
