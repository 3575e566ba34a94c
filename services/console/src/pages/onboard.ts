// Onboard a city service: one form, then a preview of everything that will be created, then one idempotent
// operation. The idempotency key is made when the form is first shown and travels in the form, so a double
// submit or a resumed confirmation creates once (identity answers a repeated key with the first answer).
import { randomBytes } from 'node:crypto';
import type { Hono } from 'hono';
import { html } from 'hono/html';
import { geoPointFromDegrees, serviceScopeVerbs } from '@citypass/contracts';
import { asOperatorOnIdentity, type ConsoleDeps, type ConsoleEnv } from '../deps.ts';
import type { Session } from '../sessions.ts';
import { alert, csrfField, field, layout, type FieldError, type Html } from './layout.ts';
import { fieldErrors, isFormRefusal } from './refusals.ts';
import { serviceClientPath } from './service_clients.ts';

interface OnboardForm {
  readonly key: string;
  readonly name: string;
  readonly displayName: string;
  readonly contactEmail: string;
  /** Where the service's counter is, as typed (`<latitude>,<longitude>`); empty for a service with no counter. */
  readonly location: string;
  readonly verbs: readonly string[];
}

const extraVerbs = serviceScopeVerbs.filter((verb) => verb !== 'charge');
const verbHelp: Readonly<Record<string, string>> = {
  refund: 'refund its charges',
  read: 'read its own holds and reports',
  topup: 'top up residents’ balances',
  settle: 'settle taps a gate verified',
  adjudicate: 'split a charge with a payer',
  gate: 'operate transit gates',
  bill: 'bill patients (a clinic)',
  insure: 'pay plan shares (an insurer)',
};

function formOf(body: Record<string, unknown>): OnboardForm {
  const text = (name: string): string => (typeof body[name] === 'string' ? body[name].trim() : '');
  const verbs = body.verbs;
  const list = Array.isArray(verbs) ? verbs : verbs === undefined ? [] : [verbs];
  return {
    key: text('idempotency_key'),
    name: text('name'),
    displayName: text('display_name'),
    contactEmail: text('contact_email'),
    location: text('location'),
    verbs: list.filter((verb): verb is string => typeof verb === 'string' && extraVerbs.includes(verb as never)),
  };
}

const scopesOf = (form: OnboardForm): string[] => [
  `charge:${form.name}`,
  ...form.verbs.map((verb) => `${verb}:${form.name}`),
];

function hidden(form: OnboardForm): Html {
  return html`<input type="hidden" name="idempotency_key" value="${form.key}">
<input type="hidden" name="name" value="${form.name}">
<input type="hidden" name="display_name" value="${form.displayName}">
<input type="hidden" name="contact_email" value="${form.contactEmail}">
<input type="hidden" name="location" value="${form.location}">
${form.verbs.map((verb) => html`<input type="hidden" name="verbs" value="${verb}">`)}`;
}

function formPage(session: Session, form: OnboardForm, errors: Record<string, FieldError> = {}): Html {
  return layout(
    'Onboard a city service',
    session,
    html`<p>A parking operator, a bike share, a shop or a clinic becomes an OIDC client of citypass with its own
charge scope. You will see everything that will be created before anything is.</p>
${errors.form === undefined ? '' : alert(errors.form)}
<form method="post" action="/onboard/preview" hx-post="/onboard/preview" hx-target="#main" hx-select="#main" hx-swap="outerHTML">
${csrfField(session)}
<input type="hidden" name="idempotency_key" value="${form.key}">
${field('name', 'Name (becomes the client id: 2-32 of a-z, 0-9 and -)', form.name, errors.name, 'required autocomplete="off"')}
${field('display_name', 'Display name', form.displayName, errors.display_name, 'required')}
${field('contact_email', 'Contact email', form.contactEmail, errors.contact_email, 'type="email" required autocomplete="email"')}
${field('location', 'Counter location, if it has one (latitude,longitude in decimal degrees, e.g. 44.4056,8.9463)', form.location, errors.location, 'autocomplete="off" inputmode="decimal"')}
<fieldset${errors.scopes === undefined ? '' : html` aria-describedby="scopes-error"`}>
<legend>Extra scopes (charge is always granted)</legend>
${extraVerbs.map(
  (verb) =>
    html`<div><input type="checkbox" id="verb-${verb}" name="verbs" value="${verb}"${
      form.verbs.includes(verb) ? ' checked' : ''
    }> <label class="inline" for="verb-${verb}">${verb}: ${verbHelp[verb] ?? ''}</label></div>`,
)}
${errors.scopes === undefined ? '' : html`<p class="error" id="scopes-error">${errors.scopes.message} <code>${errors.scopes.reason}</code></p>`}
</fieldset>
<p><button>Preview</button></p>
</form>`,
    '/onboard',
  );
}

function previewPage(session: Session, form: OnboardForm): Html {
  return layout(
    'Check what will be created',
    session,
    html`<dl>
<dt>OIDC client id</dt><dd><code>${form.name}</code></dd>
<dt>Display name</dt><dd>${form.displayName}</dd>
<dt>Contact</dt><dd>${form.contactEmail}</dd>
<dt>Counter location</dt><dd>${
      form.location === ''
        ? 'none: the risk engine cannot check travel to its payments'
        : html`<span id="preview-location">${form.location}</span> (the risk engine checks travel between it and the resident's taps)`
    }</dd>
<dt>Scopes</dt><dd>${scopesOf(form).map((scope) => html`<code>${scope}</code> `)}</dd>
<dt>Client authentication</dt><dd>client secret (client_secret_basic), shown once after creation</dd>
<dt>Merchant account</dt><dd>opened in the wallet when it hears of the new service</dd>
</dl>
<form method="post" action="/onboard" hx-post="/onboard" hx-target="#main" hx-select="#main" hx-swap="outerHTML">
${csrfField(session)}
${hidden(form)}
<p><button>Create ${form.name}</button></p>
</form>
<form method="post" action="/onboard/edit">
${csrfField(session)}
${hidden(form)}
<p><button>Change something</button></p>
</form>`,
    '/onboard',
  );
}

/** Checks the command line of the form can make: required fields and the idempotency key it carries. */
function missing(form: OnboardForm): Record<string, FieldError> {
  const errors: Record<string, FieldError> = {};
  const required = { message: 'required', reason: 'REQUIRED' };
  if (form.name === '') errors.name = required;
  if (form.displayName === '') errors.display_name = required;
  if (form.contactEmail === '') errors.contact_email = required;
  if (form.location !== '' && geoPointFromDegrees(form.location) === undefined)
    errors.location = {
      message: 'latitude,longitude in decimal degrees, within ±90 and ±180',
      reason: 'LOCATION_INVALID',
    };
  if (!/^[A-Za-z0-9_-]{16,64}$/.test(form.key))
    errors.form = { message: 'the form is out of date; start again', reason: 'IDEMPOTENCY_KEY_INVALID' };
  return errors;
}

export function addOnboardPages(app: Hono<ConsoleEnv>, deps: ConsoleDeps): void {
  app.get('/onboard', (c) =>
    c.html(
      formPage(c.get('session'), {
        key: randomBytes(16).toString('base64url'),
        name: '',
        displayName: '',
        contactEmail: '',
        location: '',
        verbs: [],
      }),
    ),
  );
  app.post('/onboard/edit', async (c) =>
    c.html(formPage(c.get('session'), formOf(await c.req.parseBody({ all: true })))),
  );
  app.post('/onboard/preview', async (c) => {
    const form = formOf(await c.req.parseBody({ all: true }));
    const errors = missing(form);
    if (Object.keys(errors).length > 0) return c.html(formPage(c.get('session'), form, errors), 422);
    return c.html(previewPage(c.get('session'), form));
  });
  app.post('/onboard', async (c) => {
    const session = c.get('session');
    const form = formOf(await c.req.parseBody({ all: true }));
    const errors = missing(form);
    if (Object.keys(errors).length > 0) return c.html(formPage(session, form, errors), 422);
    try {
      const onboarded = await deps.identity.onboardService(
        {
          idempotencyKey: form.key,
          name: form.name,
          displayName: form.displayName,
          contactEmail: form.contactEmail,
          extraScopes: scopesOf(form).slice(1),
          jwksJson: '',
          location: form.location === '' ? undefined : geoPointFromDegrees(form.location),
        },
        await asOperatorOnIdentity(deps, session),
      );
      c.header('cache-control', 'no-store');
      return await c.html(
        layout(
          `${onboarded.clientId} is onboarded`,
          session,
          html`<p>Give these to the service's operators now. The secret is not kept in the console and is not shown
again here.</p>
<dl>
<dt>Client id</dt><dd><code id="client-id">${onboarded.clientId}</code></dd>
<dt>Client secret</dt><dd><p class="secret" id="client-secret">${onboarded.clientSecret}</p></dd>
<dt>Scopes</dt><dd>${onboarded.scopes.join(' ')}</dd>
<dt>Token endpoint</dt><dd><code id="token-endpoint">${onboarded.tokenEndpoint}</code> (${onboarded.tokenEndpointAuthMethod})</dd>
</dl>
<p><a href="${serviceClientPath(onboarded.clientId)}" id="service-client-link">Rotate its secret or suspend it later</a>
· <a href="/audit?subject=${encodeURIComponent(onboarded.clientId)}">See it in the audit log</a></p>`,
          '/onboard',
        ),
      );
    } catch (error) {
      if (!isFormRefusal(error)) throw error;
      return c.html(formPage(session, form, fieldErrors(error)), 422);
    }
  });
}
