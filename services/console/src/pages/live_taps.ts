// The gate taps as they happen: each online tap's gate, direction, decision and reason, and an offline gate's taps
// when it uploads them, marked offline at their tap time (the feed carries nothing about who tapped). Whole without JavaScript (reload it); with htmx's sse extension the table's rows are swapped
// in as taps arrive.
import { checkMayWatch } from '../operator_scope.ts';
import type { Hono } from 'hono';
import { html } from 'hono/html';
import { streamSSE } from 'hono/streaming';
import type { ConsoleDeps, ConsoleEnv } from '../deps.ts';
import type { LiveTap, LiveViews } from '../live/live_views.ts';
import { layout, type Html } from './layout.ts';
import { liveStream } from './live_stream.ts';

function tapRows(taps: readonly LiveTap[]): Html {
  if (taps.length === 0) return html`<tr><td colspan="6">No taps seen yet.</td></tr>`;
  return html`${taps.map(
    (tap) =>
      html`<tr class="${tap.decision === 'DENY' ? 'denied' : 'opened'}"><td>${tap.decidedAt}${tap.offline ? html` <small>(offline gate, uploaded later)</small>` : ''}</td><td>${tap.gateId}</td><td>${tap.stationId}</td><td>${tap.direction}</td><td>${tap.decision}</td><td>${
        tap.reason === '' ? '' : html`<code>${tap.reason}</code>`
      }</td></tr>`,
  )}`;
}

function lastTap(live: LiveViews): Html {
  const [latest] = live.latestTaps;
  return latest === undefined
    ? html`No taps seen yet.`
    : html`Latest: ${latest.gateId} ${latest.decision}${latest.reason === '' ? '' : ` ${latest.reason}`}.`;
}

export function addLiveTapsPage(app: Hono<ConsoleEnv>, deps: ConsoleDeps): void {
  app.get('/live/taps', (c) => {
    checkMayWatch(c.get('session').signedIn, 'taps');
    return c.html(
      layout(
        'Gate taps, live',
        c.get('session'),
        html`<p>Online taps as transit decides them, and offline gates' taps as they are uploaded (the newest ${50} this console has seen; nothing is stored).
<a href="/live/taps">Reload</a> · <a href="/live">The city now</a></p>
<div hx-ext="sse" sse-connect="/live/taps/events">
<p id="last-tap" role="status" sse-swap="latest">${lastTap(deps.live)}</p>
<table id="live-taps"><caption>Taps, newest first</caption>
<thead><tr><th scope="col">Decided at (UTC)</th><th scope="col">Gate</th><th scope="col">Station</th><th scope="col">Direction</th><th scope="col">Decision</th><th scope="col">Reason</th></tr></thead>
<tbody sse-swap="taps">${tapRows(deps.live.latestTaps)}</tbody></table>
</div>`,
        '/live',
      ),
    );
  });
  app.get('/live/taps/events', (c) => {
    checkMayWatch(c.get('session').signedIn, 'taps');
    return streamSSE(c, (stream) =>
      liveStream(deps.live, stream, () => ({ taps: tapRows(deps.live.latestTaps), latest: lastTap(deps.live) })),
    );
  });
}
