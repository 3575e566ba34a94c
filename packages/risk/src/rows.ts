// The storage under the engine's tables: one typed array per field, indexed by an entity's row (a resident, a
// device, a merchant, a pair), and short lists in shared arrays, so an entity costs a few slots rather than objects,
// Maps and strings of its own (issue 12: about 5 KB a resident in objects). Ids become rows once, in an IdRows.
import assert from 'node:assert/strict';

type Column = Float64Array | Int32Array | Uint16Array | Uint8Array;

/** Arrays grow by half again: a tenth of a resident's bytes wasted on average, not a quarter as doubling would. */
const growth = 1.5;

/** `column` when it has `length` slots, else a copy with room for at least that many, the new slots set to `fill`. */
export function withRoom<T extends Column>(column: T, length: number, fill = 0): T {
  if (length <= column.length) return column;
  const grown = new (column.constructor as new (length: number) => T)(
    Math.max(length, Math.ceil(column.length * growth), 16),
  );
  grown.set(column);
  if (fill !== 0) grown.fill(fill, column.length);
  return grown;
}

/** One row per id, numbered from 0 in the order ids are first seen; each id string is kept once. */
export class IdRows {
  private rows = new Map<string, number>();

  get size(): number {
    return this.rows.size;
  }

  /** The row of `id`, or -1 when it has none. */
  rowOf(id: string): number {
    return this.rows.get(id) ?? -1;
  }

  /** The row of `id`, given the next one when it has none; `isNew` says which. */
  add(id: string): { readonly row: number; readonly isNew: boolean } {
    const known = this.rows.get(id);
    if (known !== undefined) return { row: known, isNew: false };
    const row = this.rows.size;
    this.rows.set(id, row);
    return { row, isNew: true };
  }

  clear(): void {
    this.rows = new Map();
  }
}

/**
 * Many short singly linked lists of int32 values in two shared arrays (a resident's devices, a device's residents, a
 * resident's stations or merchants). A list is named by its first cell, -1 when empty; cells keep the order they
 * were appended in, and a caller keeps its own per-cell fields in arrays indexed by cell.
 */
export class ListPool {
  values = new Int32Array(0);
  next = new Int32Array(0);
  private used = 0;

  /** Cells in use: the length a caller's per-cell arrays need. */
  get size(): number {
    return this.used;
  }

  /** The cell holding `value` in the list starting at `head`, or -1. */
  find(head: number, value: number): number {
    for (let cell = head; cell !== -1; cell = this.next[cell] ?? -1) if (this.values[cell] === value) return cell;
    return -1;
  }

  /** Appends `value` after `tail`, the last cell of a list (-1 starts a new list); returns the new cell. */
  append(tail: number, value: number): number {
    assert(tail === -1 || this.next[tail] === -1, 'append after the last cell of a list');
    const cell = this.used;
    this.used += 1;
    this.values = withRoom(this.values, this.used);
    this.next = withRoom(this.next, this.used);
    this.values[cell] = value;
    this.next[cell] = -1;
    if (tail !== -1) this.next[tail] = cell;
    return cell;
  }

  /** The last cell of the list starting at `head`; -1 for an empty list. */
  last(head: number): number {
    let cell = head;
    while (cell !== -1 && this.next[cell] !== -1) cell = this.next[cell] ?? -1;
    return cell;
  }

  clear(): void {
    this.values = new Int32Array(0);
    this.next = new Int32Array(0);
    this.used = 0;
  }
}
