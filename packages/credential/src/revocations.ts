// Which credentials are revoked. Verification reads it synchronously (a Set lookup); a watcher keeps it current.
export type RevocationList = { isRevoked(credentialId: string): boolean };

export class RevocationSet implements RevocationList {
  readonly #ids: Set<string>;

  constructor(credentialIds: Iterable<string> = []) {
    this.#ids = new Set(credentialIds);
  }

  get size(): number {
    return this.#ids.size;
  }

  isRevoked(credentialId: string): boolean {
    return this.#ids.has(credentialId);
  }

  add(credentialId: string): void {
    this.#ids.add(credentialId);
  }

  remove(credentialId: string): void {
    this.#ids.delete(credentialId);
  }

  ids(): IterableIterator<string> {
    return this.#ids.values();
  }
}
