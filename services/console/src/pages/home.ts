// Home: who is signed in, their roles, what their tokens may do on each service, and where to go.
import type { Hono } from 'hono';
import { html } from 'hono/html';
import { resources } from '@citypass/contracts';
import type { ConsoleDeps, ConsoleEnv } from '../deps.ts';
import { layout } from './layout.ts';

export function addHomePage(app: Hono<ConsoleEnv>, deps: ConsoleDeps): void {
  app.get('/', async (c) => {
    const session = c.get('session');
    const signedIn = session.signedIn;
    if (signedIn === undefined) return c.redirect('/signin', 303);
    // One token per service, each from the operator's own grant: what identity allowed for their roles.
    const scopes: [string, string][] = [];
    for (const [name, resource] of [
      ['identity', resources.identity],
      ['transit', resources.transit],
      ['wallet', resources.wallet],
    ] as const) {
      const next = session.refreshing.then(() => deps.oidc.tokenFor(signedIn, resource));
      session.refreshing = next.catch(() => undefined);
      scopes.push([name, (await next).scope || 'none']);
    }
    return c.html(
      layout(
        'Home',
        session,
        html`<p>Signed in as <strong id="username">${signedIn.username}</strong>, roles
<span id="roles">${signedIn.roles.join(', ') || 'none'}</span>, last sign-in
${new Date(signedIn.authTimeMs).toISOString()}.</p>
<h2>What your sign-in allows</h2>
<table><thead><tr><th scope="col">Service</th><th scope="col">Scopes</th></tr></thead>
<tbody>${scopes.map(([name, scope]) => html`<tr><td>${name}</td><td><code>${scope}</code></td></tr>`)}</tbody></table>
<h2>Do</h2>
<ul>
<li><a href="/onboard">Onboard a city service</a></li>
<li><a href="/services">See the onboarded services</a></li>
<li><a href="/residents">Find or create a resident</a></li>
<li><a href="/audit">Read the audit log</a></li>
</ul>`,
        '/',
      ),
    );
  });
}
