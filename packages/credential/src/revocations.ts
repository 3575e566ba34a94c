// Which credentials are revoked, and since when. Verification reads it synchronously (a Map lookup); a watcher keeps
// it current. A revocation applies from its time on: a presentation made before it (a tap settled later) still
// stands, one made at or after it does not. A revocation without a time applies to every presentation.
export type RevocationList = {
  /** Whether the credential is revoked as of `atMs` (default: whatever its time, i.e. now). */
  isRevoked(credentialId: string, atMs?: number): boolean;
};

export class RevocationSet implements RevocationList {
  /** Credential id -> revocation time (epoch ms), or -Infinity when unknown. */
  readonly #revokedAtMs: Map<string, number>;

  constructor(credentialIds: Iterable<string> = []) {
    this.#revokedAtMs = new Map([...credentialIds].map((id) => [id, Number.NEGATIVE_INFINITY]));
  }

  get size(): number {
    return this.#revokedAtMs.size;
  }

  isRevoked(credentialId: string, atMs?: number): boolean {
    const revokedAtMs = this.#revokedAtMs.get(credentialId);
    if (revokedAtMs === undefined) return false;
    return atMs === undefined || revokedAtMs <= atMs;
  }

  add(credentialId: string, revokedAtMs: number = Number.NEGATIVE_INFINITY): void {
    this.#revokedAtMs.set(credentialId, Number.isFinite(revokedAtMs) ? revokedAtMs : Number.NEGATIVE_INFINITY);
  }

  remove(credentialId: string): void {
    this.#revokedAtMs.delete(credentialId);
  }

  ids(): IterableIterator<string> {
    return this.#revokedAtMs.keys();
  }
}

/** The revocation time in a status bucket value (`{"revokedAt": ISO-8601, ...}` as identity writes it), if any. */
export function revokedAtOf(value: string): number {
  try {
    const parsed = JSON.parse(value) as { revokedAt?: unknown };
    const atMs = typeof parsed.revokedAt === 'string' ? Date.parse(parsed.revokedAt) : Number.NaN;
    return Number.isFinite(atMs) ? atMs : Number.NEGATIVE_INFINITY;
  } catch {
    return Number.NEGATIVE_INFINITY;
  }
}
