// What the console's lists share. The search is a GET form (it works without JavaScript; its URL can be kept and
// shared), which htmx turns into an in-place update of the results with the URL pushed; the next page is a link
// carrying the same search and the service's page token, which the service refuses with any other search.
import { html } from 'hono/html';
import type { Html } from './layout.ts';

/** Rows per page of every list. */
export const listPageSize = 25;

export function searchForm(path: string, resultsId: string, fields: Html, button: string): Html {
  return html`<form method="get" action="${path}" role="search" hx-get="${path}" hx-target="#${resultsId}" hx-select="#${resultsId}" hx-swap="outerHTML" hx-push-url="true">
${fields}
<p><button>${button}</button></p>
</form>`;
}

/** The link to the page after this one, or nothing on the last page. */
export function nextPageLink(path: string, search: Record<string, string>, pageToken: string, label: string): Html {
  if (pageToken === '') return html``;
  const query = new URLSearchParams({ ...search, page: pageToken }).toString();
  return html`<p><a href="${path}?${query}" rel="next">${label}</a></p>`;
}
