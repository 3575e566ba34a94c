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

/**
 * One row per id, numbered from 0 in the order ids are first seen; each id string is kept once. A removed id's row
 * is given to the next new id (the last freed first), so the rows in use stay as many as the ids kept.
 */
export class IdRows {
  private rows = new Map<string, number>();
  /** Each row's id; undefined for a free row. */
  private ids: (string | undefined)[] = [];
  private free: number[] = [];

  get size(): number {
    return this.rows.size;
  }

  /** Rows ever given out, free ones included: the length a caller's per-row arrays need. */
  get capacity(): number {
    return this.ids.length;
  }

  /** The row of `id`, or -1 when it has none. */
  rowOf(id: string): number {
    return this.rows.get(id) ?? -1;
  }

  /** Whether `row` belongs to an id (not free, not beyond the rows given out). */
  isUsed(row: number): boolean {
    return this.ids[row] !== undefined;
  }

  /** The row of `id`, given a free or the next one when it has none; `isNew` says which. */
  add(id: string): { readonly row: number; readonly isNew: boolean } {
    const known = this.rows.get(id);
    if (known !== undefined) return { row: known, isNew: false };
    const row = this.free.pop() ?? this.ids.length;
    this.rows.set(id, row);
    this.ids[row] = id;
    return { row, isNew: true };
  }

  /** Forgets the id of `row` and frees the row for the next new id. */
  remove(row: number): void {
    const id = this.ids[row];
    assert(id !== undefined, 'remove a row in use');
    this.rows.delete(id);
    this.ids[row] = undefined;
    this.free.push(row);
  }

  clear(): void {
    this.rows = new Map();
    this.ids = [];
    this.free = [];
  }
}

/**
 * Many short singly linked lists of int32 values in two shared arrays (a resident's devices, a device's residents, a
 * resident's stations or merchants). A list is named by its first cell, -1 when empty; cells keep the order they
 * were appended in, and a caller keeps its own per-cell fields in arrays indexed by cell. A removed cell is reused
 * by the next append (the last freed first), so the cells in use stay as many as the values kept.
 */
export class ListPool {
  values = new Int32Array(0);
  next = new Int32Array(0);
  private made = 0;
  private used = 0;
  /** The first free cell (-1: none), the others chained through `next`. */
  private freeHead = -1;

  /** Cells in use. */
  get size(): number {
    return this.used;
  }

  /** Cells ever made, free ones included: the length a caller's per-cell arrays need. */
  get capacity(): number {
    return this.made;
  }

  /** The cell holding `value` in the list starting at `head`, or -1. */
  find(head: number, value: number): number {
    for (let cell = head; cell !== -1; cell = this.next[cell] ?? -1) if (this.values[cell] === value) return cell;
    return -1;
  }

  /** Appends `value` after `tail`, the last cell of a list (-1 starts a new list); returns the new cell. */
  append(tail: number, value: number): number {
    assert(tail === -1 || this.next[tail] === -1, 'append after the last cell of a list');
    let cell = this.freeHead;
    if (cell === -1) {
      cell = this.made;
      this.made += 1;
      this.values = withRoom(this.values, this.made);
      this.next = withRoom(this.next, this.made);
    } else {
      this.freeHead = this.next[cell] ?? -1;
    }
    this.used += 1;
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

  /**
   * Frees every cell of the list starting at `head` whose time in `atMs` (a caller's per-cell array) is before
   * `beforeMs` (Infinity: every cell); returns the list's new first cell, -1 when none is left.
   */
  removeOlder(head: number, atMs: Float64Array, beforeMs: number): number {
    let first = head;
    let previous = -1;
    let cell = head;
    while (cell !== -1) {
      const following = this.next[cell] ?? -1;
      if ((atMs[cell] ?? 0) < beforeMs) {
        if (previous === -1) first = following;
        else this.next[previous] = following;
        this.next[cell] = this.freeHead;
        this.freeHead = cell;
        this.used -= 1;
      } else {
        previous = cell;
      }
      cell = following;
    }
    return first;
  }

  /** The cells of the list starting at `head`. */
  length(head: number): number {
    let count = 0;
    for (let cell = head; cell !== -1; cell = this.next[cell] ?? -1) count += 1;
    return count;
  }

  clear(): void {
    this.values = new Int32Array(0);
    this.next = new Int32Array(0);
    this.made = 0;
    this.used = 0;
    this.freeHead = -1;
  }
}
