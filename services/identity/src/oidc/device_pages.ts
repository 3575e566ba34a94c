// The device flow's pages (an operator signing the `citypass` command line in), in identity's own page shell:
// oidc-provider's defaults load a web font from a third party, which a sign-in page must not.
import type { KoaContextWithOIDC } from 'oidc-provider';
import { escapeHtml, page } from './interactions.ts';

function send(ctx: KoaContextWithOIDC, body: string): void {
  ctx.type = 'html';
  ctx.set('cache-control', 'no-store');
  ctx.set('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'");
  ctx.body = page(body);
}

export const devicePages = {
  userCodeInputSource(ctx: KoaContextWithOIDC, form: string, _out: unknown, error: unknown): void {
    const message =
      error === undefined ? 'Enter the code the citypass command line shows.' : 'That code is not valid. Try again.';
    send(
      ctx,
      `<h2>Sign in the command line</h2><p${error === undefined ? '' : ' role="alert"'}>${message}</p>${form}
<button type="submit" form="op.deviceInputForm">Continue</button>`,
    );
  },
  userCodeConfirmSource(
    ctx: KoaContextWithOIDC,
    form: string,
    _client: unknown,
    _deviceInfo: unknown,
    userCode: string,
  ): void {
    send(
      ctx,
      `<h2>Sign in the command line</h2><p>Continue only if the citypass command line shows <code>${escapeHtml(userCode)}</code>.</p>${form}
<button type="submit" form="op.deviceConfirmForm">Continue</button>
<button type="submit" form="op.deviceConfirmForm" value="yes" name="abort">Abort</button>`,
    );
  },
  successSource(ctx: KoaContextWithOIDC): void {
    send(ctx, '<h2>Sign-in Success</h2><p>The command line is signed in. You can close this page.</p>');
  },
};
