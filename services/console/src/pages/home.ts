// Home: who is signed in, their roles, what their tokens may do on each service, and where to go.
import type { Hono } from 'hono';
import { html } from 'hono/html';
import { resources } from '@citypass/contracts';
import { operatorToken, type ConsoleDeps, type ConsoleEnv } from '../deps.ts';
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
      scopes.push([name, (await operatorToken(deps, session, resource)).scope || 'none']);
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
<li><a href="/transit/gates">Find metro gates and assign them to a gate operator</a></li>
<li><a href="/transit/fare-rules">Read the fare rules and put a new version, after a preview</a></li>
<li><a href="/transit/deny-list">See who is denied at the gates for an unpaid fare</a></li>
<li><a href="/wallet">A service's money: balance, holds, settlement, declines</a></li>
<li><a href="/live">The city now</a> and <a href="/live/taps">the gate taps as they happen</a></li>
</ul>`,
        '/',
      ),
    );
  });
}
