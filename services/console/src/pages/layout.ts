// The page shell every console page shares: navigation, who is signed in, the sign-out form. htmx (served from
// the console's own origin) only enhances: every link and form works without JavaScript.
import { html, raw } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import { offersLink, type HomeLink } from '../operator_scope.ts';
import type { Session } from '../sessions.ts';

export type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

// htmx without eval and without the inline styles it would add (the CSP allows neither); a refused form (422)
// is swapped in too, so its messages show next to the fields. When it settles a swap it copies no style
// attribute from an old element to its new copy: a script (axe-core, in the tests) that touched element.style
// leaves one behind, and writing it back is an inline style the CSP blocks.
const htmxConfig = JSON.stringify({
  allowEval: false,
  allowScriptTags: false,
  includeIndicatorStyles: false,
  attributesToSettle: ['class', 'width', 'height'],
  responseHandling: [
    { code: '204', swap: false },
    { code: '[23]..', swap: true },
    { code: '422', swap: true },
    { code: '[45]..', swap: false, error: true },
  ],
});

/** The navigation; each link but Home only for operators whose scope reaches it (operator_scope.ts). */
const links: readonly (readonly [string, string, HomeLink | undefined])[] = [
  ['/', 'Home', undefined],
  ['/onboard', 'Onboard a service', 'identity-city'],
  ['/services', 'Services', 'services'],
  ['/residents', 'Residents', 'identity-city'],
  ['/audit', 'Audit', 'audit'],
  ['/transit/gates', 'Gates', 'gates'],
  ['/transit/fare-rules', 'Fare rules', 'transit-department'],
  ['/transit/deny-list', 'Deny list', 'transit-department'],
  ['/wallet', 'Wallet', 'wallet'],
  ['/live', 'The city now', 'city'],
];
/** Links for admins only (besides their scope): identity's signing keys. */
const adminLinks: readonly (readonly [string, string, HomeLink])[] = [['/keys', 'Signing keys', 'identity-city']];

export function layout(title: string, session: Session | undefined, body: Html, current = ''): Html {
  const signedIn = session?.signedIn;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="htmx-config" content="${htmxConfig}">
<title>${title} · citypass console</title>
<link rel="stylesheet" href="/static/console.css">
<script src="/static/htmx.min.js" defer></script>
<script src="/static/sse.min.js" defer></script>
</head>
<body>
<header>
<a class="brand" href="/">citypass console</a>
${
  signedIn === undefined
    ? ''
    : html`<nav aria-label="Main"><ul>${[...links, ...(signedIn.roles.includes('admin') ? adminLinks : [])]
        .filter(([, , link]) => link === undefined || offersLink(signedIn, link))
        .map(
          ([href, label]) =>
            html`<li><a href="${href}"${href === current ? html` aria-current="page"` : ''}>${label}</a></li>`,
        )}</ul></nav>
<form method="post" action="/signout" class="signout"><input type="hidden" name="csrf" value="${session?.csrfToken ?? ''}">
<span>${signedIn.username}</span> <button>Sign out</button></form>`
}
</header>
<main id="main">
<h1>${title}</h1>
${body}
</main>
</body>
</html>`;
}

/** A form field with its label and, when refused, the service's message and stable reason next to it. */
export function field(
  name: string,
  label: string,
  value: string,
  error: FieldError | undefined,
  /** Attributes written in the code (never user input): required, type, autocomplete. */
  attributes = '',
): Html {
  const errorId = `${name}-error`;
  return html`<div class="field">
<label for="${name}">${label}</label>
<input id="${name}" name="${name}" value="${value}" ${raw(attributes)}${
    error === undefined ? '' : html` aria-invalid="true" aria-describedby="${errorId}"`
  }>
${error === undefined ? '' : html`<p class="error" id="${errorId}">${error.message} <code>${error.reason}</code></p>`}
</div>`;
}

export interface FieldError {
  readonly message: string;
  readonly reason: string;
}

export function csrfField(session: Session): Html {
  return html`<input type="hidden" name="csrf" value="${session.csrfToken}">`;
}

export function notice(text: string): Html {
  return html`<p class="notice" role="status">${text}</p>`;
}

export function alert(error: FieldError): Html {
  return html`<p class="error" role="alert">${error.message} <code>${error.reason}</code></p>`;
}
