// The city now: taps a minute, authorizations a minute, declines by reason, the settlement backlog and the revocation
// lag, one server-drawn chart each, from the live feeds this console follows (live/). The page is whole without
// JavaScript (reload it for new figures); with htmx's sse extension each chart is swapped in as it changes.
import type { Hono } from 'hono';
import { html } from 'hono/html';
import { streamSSE } from 'hono/streaming';
import type { ConsoleDeps, ConsoleEnv } from '../deps.ts';
import { minuteChart, reasonChart } from '../live/charts.ts';
import { windowMinutes, type LiveViews } from '../live/live_views.ts';
import { checkMayWatch } from '../operator_scope.ts';
import { layout, type Html } from './layout.ts';
import { liveStream } from './live_stream.ts';

/** Each chart, by the SSE event name that carries it. */
export function cityCharts(live: LiveViews): Record<string, Html> {
  const nowMs = live.now();
  const declines = [...live.declines]
    .map(([reason, series]) => [reason, series.total(nowMs)] as const)
    .filter(([, count]) => count > 0)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return {
    taps: minuteChart('chart-taps', 'Gate taps a minute', live.taps.series(nowMs), 'Taps'),
    authorizations: minuteChart(
      'chart-authorizations',
      'Wallet authorizations a minute (approved or declined)',
      live.authorizations.series(nowMs),
      'Authorizations',
    ),
    declines: reasonChart('chart-declines', `Declines by reason, last ${windowMinutes} minutes`, declines),
    backlog: minuteChart(
      'chart-backlog',
      'Settlement backlog (riders with fares to settle, highest a minute)',
      live.settlementBacklog.series(nowMs),
      'Riders due',
    ),
    'revocation-lag': minuteChart(
      'chart-revocation-lag',
      'Revocation lag (from a revocation to its event on the bus, ms, highest a minute)',
      live.revocationLagMs.series(nowMs),
      'Milliseconds',
    ),
  };
}

export function addCityNowPage(app: Hono<ConsoleEnv>, deps: ConsoleDeps): void {
  app.get('/live', (c) => {
    checkMayWatch(c.get('session').signedIn, 'city');
    const charts = cityCharts(deps.live);
    return c.html(
      layout(
        'The city now',
        c.get('session'),
        html`<p>The last ${windowMinutes} minutes and the current one (UTC), as this console has seen them on the live
feeds since it started; nothing is stored. <a href="/live">Reload</a> · <a href="/live/taps">Gate taps as they happen</a></p>
<div class="charts" hx-ext="sse" sse-connect="/live/events">
${Object.entries(charts).map(([event, chart]) => html`<div sse-swap="${event}">${chart}</div>`)}
</div>`,
        '/live',
      ),
    );
  });
  app.get('/live/events', (c) => {
    checkMayWatch(c.get('session').signedIn, 'city');
    return streamSSE(c, (stream) => liveStream(deps.live, stream, () => cityCharts(deps.live)));
  });
}
