// An audit entry's before and after as a person reads them: only what changed, one line per field, named by its
// path ("clients.market-g1: gates → trams"), with removed and added values marked up as <del> and <ins>.
import { html } from 'hono/html';
import type { Html } from './layout.ts';

/** Every leaf of a JSON value under its dotted path (arrays by index); a scalar at the top is under ''. */
function leaves(value: unknown, path = '', into = new Map<string, string>()): Map<string, string> {
  if (value !== null && typeof value === 'object') {
    const items = Array.isArray(value)
      ? value.map((item, index) => [String(index), item] as const)
      : Object.entries(value as Record<string, unknown>);
    if (items.length === 0 && path !== '') into.set(path, Array.isArray(value) ? '[]' : '{}');
    for (const [key, item] of items) leaves(item, path === '' ? key : `${path}.${key}`, into);
  } else if (value !== undefined) {
    into.set(path, value === null ? 'none' : typeof value === 'string' ? value : JSON.stringify(value));
  }
  return into;
}

export interface FieldChange {
  readonly path: string;
  readonly before: string | undefined;
  readonly after: string | undefined;
}

/** The fields that differ between before and after, in path order. */
export function changes(before: unknown, after: unknown): FieldChange[] {
  const old = leaves(before);
  const now = leaves(after);
  const paths = [...new Set([...old.keys(), ...now.keys()])].sort();
  return paths
    .filter((path) => old.get(path) !== now.get(path))
    .map((path) => ({ path, before: old.get(path), after: now.get(path) }));
}

export function diffList(list: readonly FieldChange[]): Html {
  if (list.length === 0) return html`<p>No change.</p>`;
  return html`<ul class="diff">${list.map(
    (change) =>
      html`<li><code>${change.path}</code>: ${change.before === undefined ? html`` : html`<del>${change.before}</del>`}${
        change.before !== undefined && change.after !== undefined ? ' → ' : ''
      }${change.after === undefined ? html`` : html`<ins>${change.after}</ins>`}</li>`,
  )}</ul>`;
}

/** Details with no before and after (identity's): each field and its value. */
export function detailList(details: Readonly<Record<string, unknown>>): Html {
  const fields = [...leaves(details).entries()];
  if (fields.length === 0) return html``;
  return html`<ul class="details">${fields.map(([path, value]) => html`<li><code>${path}</code>: ${value}</li>`)}</ul>`;
}
