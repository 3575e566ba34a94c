// Charts drawn on the server as SVG: no script and no inline style (presentation attributes only, which the CSP
// allows). Each is an image for assistive technology (role="img", a title and a description with the figures that
// matter) and its numbers are in a table beside it too.
import { html } from 'hono/html';
import type { Html } from '../pages/layout.ts';
import type { MinuteValue } from './per_minute.ts';

const width = 480;
const height = 120;
const axis = 20;

const hhmm = (ms: number): string => new Date(ms).toISOString().slice(11, 16);

/** One bar a minute, oldest on the left; the current minute (still filling) is the last bar. */
export function minuteChart(id: string, title: string, series: readonly MinuteValue[], unit: string): Html {
  const highest = Math.max(1, ...series.map((each) => each.value));
  const barWidth = width / series.length;
  const last = series.at(-1);
  const description = `${unit} in the minute from ${last === undefined ? '' : hhmm(last.minuteMs)}: ${
    last?.value ?? 0
  }; highest in the last ${series.length} minutes: ${Math.max(0, ...series.map((each) => each.value))}.`;
  return html`<figure class="chart" id="${id}">
<figcaption>${title}</figcaption>
<svg role="img" aria-labelledby="${id}-title ${id}-desc" viewBox="0 0 ${width} ${height + axis}" width="${width}" height="${height + axis}">
<title id="${id}-title">${title}</title>
<desc id="${id}-desc">${description}</desc>
${series.map((each, index) => {
  const barHeight = Math.round((each.value / highest) * (height - 10));
  return html`<rect x="${(index * barWidth + 1).toFixed(1)}" y="${height - barHeight}" width="${(barWidth - 2).toFixed(1)}" height="${barHeight}" fill="#0b3d91"></rect>`;
})}
<line x1="0" y1="${height}" x2="${width}" y2="${height}" stroke="#1a1a1a"></line>
<text x="0" y="${height + 15}" font-size="12" fill="#1a1a1a">${series[0] === undefined ? '' : hhmm(series[0].minuteMs)}</text>
<text x="${width}" y="${height + 15}" font-size="12" fill="#1a1a1a" text-anchor="end">${last === undefined ? '' : hhmm(last.minuteMs)}</text>
<text x="2" y="12" font-size="12" fill="#1a1a1a">${highest}</text>
</svg>
<details><summary>${title}: the numbers</summary>
<table><thead><tr><th scope="col">Minute (UTC)</th><th scope="col">${unit}</th></tr></thead>
<tbody>${series.map((each) => html`<tr><td>${hhmm(each.minuteMs)}</td><td>${each.value}</td></tr>`)}</tbody></table>
</details>
</figure>`;
}

/** One bar per reason, most first, with its total over the window. */
export function reasonChart(id: string, title: string, totals: readonly (readonly [string, number])[]): Html {
  const rowHeight = 22;
  const labelWidth = 260;
  const chartHeight = Math.max(1, totals.length) * rowHeight;
  const highest = Math.max(1, ...totals.map(([, count]) => count));
  const description =
    totals.length === 0
      ? 'No declines in the window.'
      : totals.map(([reason, count]) => `${reason}: ${count}`).join('; ');
  return html`<figure class="chart" id="${id}">
<figcaption>${title}</figcaption>
<svg role="img" aria-labelledby="${id}-title ${id}-desc" viewBox="0 0 ${width} ${chartHeight}" width="${width}" height="${chartHeight}">
<title id="${id}-title">${title}</title>
<desc id="${id}-desc">${description}</desc>
${totals.map(([reason, count], index) => {
  const barWidth = Math.max(1, Math.round((count / highest) * (width - labelWidth - 40)));
  const y = index * rowHeight;
  return html`<text x="0" y="${y + 15}" font-size="12" fill="#1a1a1a">${reason}</text>
<rect x="${labelWidth}" y="${y + 3}" width="${barWidth}" height="${rowHeight - 6}" fill="#a30000"></rect>
<text x="${labelWidth + barWidth + 4}" y="${y + 15}" font-size="12" fill="#1a1a1a">${count}</text>`;
})}
</svg>
<table><thead><tr><th scope="col">Reason</th><th scope="col">Declines</th></tr></thead>
<tbody>${
    totals.length === 0
      ? html`<tr><td colspan="2">None</td></tr>`
      : totals.map(([reason, count]) => html`<tr><td>${reason}</td><td>${count}</td></tr>`)
  }</tbody></table>
</figure>`;
}
