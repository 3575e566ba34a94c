// Home: who is signed in, their roles and scope, what their tokens may do on each service, and where to go.
import type { Hono } from 'hono';
import { html } from 'hono/html';
import { resources } from '@citypass/contracts';
import { operatorToken, type ConsoleDeps, type ConsoleEnv } from '../deps.ts';
import { offersLink, scopeText, type HomeLink } from '../operator_scope.ts';
import { layout } from './layout.ts';

const links: readonly (readonly [HomeLink, string, string])[] = [
  ['identity-city', '/onboard', 'Onboard a city service'],
  ['services', '/services', 'See the onboarded services'],
  ['identity-city', '/residents', 'Find or create a resident'],
  ['audit', '/audit', 'Read the audit log'],
  ['gates', '/transit/gates', 'Find metro gates and assign them to a gate operator'],
  ['transit-department', '/transit/fare-rules', 'Read the fare rules and put a new version, after a preview'],
  ['transit-department', '/transit/deny-list', 'See who is denied at the gates for an unpaid fare'],
  ['wallet', '/wallet', "A service's money: balance, holds, settlement, declines"],
  ['city', '/live', 'The city now'],
  ['taps', '/live/taps', 'The gate taps as they happen'],
];

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
<p>Your scope: <strong id="scope">${scopeText(signedIn.scope)}</strong>. The services show you only what it
covers.</p>
<h2>Do</h2>
<ul>
${links
  .filter(([link]) => offersLink(signedIn, link))
  .map(([, href, text]) => html`<li><a href="${href}">${text}</a></li>`)}
</ul>`,
        '/',
      ),
    );
  });
}
