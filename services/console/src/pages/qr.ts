// An enrollment code as an SVG QR code (uqr, as the CLI uses), inline so it prints with the page.
import { html, raw } from 'hono/html';
import { renderSVG } from 'uqr';
import type { Html } from './layout.ts';

export function qrCode(text: string, label: string): Html {
  // uqr's SVG is plain shapes with no script or style; the label makes it an image with a name.
  const svg = renderSVG(text, { border: 2 }).replace('<svg ', '<svg role="img" aria-labelledby="qr-title" ');
  return html`<figure class="qr">${raw(svg.replace(/(<svg[^>]*>)/, `$1<title id="qr-title">${label}</title>`))}</figure>`;
}
