// A binary min-heap of keys by due time, so expired entries are found in O(log n) without scanning a map.
export class ExpiryQueue {
  readonly #dueAtMs: number[] = [];
  readonly #keys: string[] = [];

  get size(): number {
    return this.#keys.length;
  }

  /** The earliest due time, or +Infinity when empty. */
  peekDueAtMs(): number {
    return this.#dueAtMs[0] ?? Number.POSITIVE_INFINITY;
  }

  push(dueAtMs: number, key: string): void {
    let index = this.#keys.length;
    this.#dueAtMs.push(dueAtMs);
    this.#keys.push(key);
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (this.#due(parent) <= dueAtMs) break;
      this.#move(parent, index);
      index = parent;
    }
    this.#dueAtMs[index] = dueAtMs;
    this.#keys[index] = key;
  }

  /** Removes and returns the earliest key (undefined when empty). */
  pop(): string | undefined {
    const first = this.#keys[0];
    const lastDue = this.#dueAtMs.pop();
    const lastKey = this.#keys.pop();
    if (first === undefined || lastDue === undefined || lastKey === undefined || this.#keys.length === 0) return first;
    let index = 0;
    const length = this.#keys.length;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= length) break;
      const right = left + 1;
      const child = right < length && this.#due(right) < this.#due(left) ? right : left;
      if (this.#due(child) >= lastDue) break;
      this.#move(child, index);
      index = child;
    }
    this.#dueAtMs[index] = lastDue;
    this.#keys[index] = lastKey;
    return first;
  }

  #due(index: number): number {
    return this.#dueAtMs[index] ?? Number.POSITIVE_INFINITY;
  }

  #move(from: number, to: number): void {
    this.#dueAtMs[to] = this.#due(from);
    this.#keys[to] = this.#keys[from] ?? '';
  }
}
