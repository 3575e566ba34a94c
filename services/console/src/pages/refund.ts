// One hold of a service (GetHold naming the service, `wallet:admin`) and, on a captured hold with money left to give
// back, the refund form: an amount up to what is refundable, a reason, and an idempotency key made when the form is
// drawn and carried in it, so a double submit refunds once. A refund is dangerous: finance and admin operators only
// (the wallet checks the roles and the merchant scope again), and one whose last sign-in is older than
// CONSOLE_REAUTH_MAX_AGE_S signs in again first (max_age=0), then confirms, as revoking a credential does.
import { randomBytes } from 'node:crypto';
import type { Hono } from 'hono';
import { html } from 'hono/html';
import type { Hold } from '@citypass/proto/wallet/v1/wallet';
import { asOperatorOnWallet, type ConsoleContext, type ConsoleDeps, type ConsoleEnv } from '../deps.ts';
import type { PendingRefund, Session } from '../sessions.ts';
import { amountInvalid, parseAmountMinor } from './amount_input.ts';
import { alert, csrfField, field, layout, notice, type FieldError, type Html } from './layout.ts';
import { fieldErrors, isFormRefusal } from './refusals.ts';
import { amount as money } from './money.ts';

const refunders: readonly string[] = ['finance', 'admin'];

export function holdLink(holdId: string, service: string, extra: Record<string, string> = {}): string {
  return `/wallet/holds/${encodeURIComponent(holdId)}?${new URLSearchParams({ service, ...extra }).toString()}`;
}

const mayRefund = (session: Session): boolean =>
  session.signedIn?.roles.some((role) => refunders.includes(role)) === true;

const refundableMinor = (hold: Hold): bigint =>
  hold.status === 'captured' ? hold.capturedMinor - hold.refundedMinor : 0n;

function refundForm(session: Session, hold: Hold, pending: PendingRefund, errors: Record<string, FieldError>): Html {
  const currency = hold.amount?.currency ?? '';
  return html`<form method="post" action="/wallet/holds/${encodeURIComponent(hold.holdId)}/refund">
${csrfField(session)}
${errors.form === undefined ? '' : alert(errors.form)}
<input type="hidden" name="service" value="${pending.service}">
<input type="hidden" name="idempotency_key" value="${pending.idempotencyKey}">
${field('amount', `Amount in ${currency} (at most ${money(refundableMinor(hold), currency)})`, pending.amount, errors.amount, 'required inputmode="decimal" autocomplete="off"')}
${field('reason', 'Reason (kept with the refund)', pending.reason, errors.reason, 'required maxlength="128" autocomplete="off"')}
<p><button>Refund</button></p>
</form>`;
}

function holdPage(
  session: Session,
  hold: Hold,
  extra: { notice?: string; errors?: Record<string, FieldError>; pending?: PendingRefund } = {},
): Html {
  const currency = hold.amount?.currency ?? '';
  const refundable = refundableMinor(hold);
  const pending = extra.pending ?? {
    holdId: hold.holdId,
    service: hold.service,
    amount: '',
    reason: '',
    idempotencyKey: randomBytes(16).toString('base64url'),
  };
  const errors = extra.errors ?? {};
  const form =
    Object.keys(errors).length > 0 || (refundable > 0n && mayRefund(session))
      ? html`<p>You may be asked to sign in again first.</p>${refundForm(session, hold, pending, errors)}`
      : hold.status !== 'captured'
        ? html`<p>Only a captured hold is refunded.</p>`
        : refundable === 0n
          ? html`<p>Everything captured is refunded.</p>`
          : html`<p>Refunds are for finance and admin operators.</p>`;
  return layout(
    `Hold ${hold.holdId}`,
    session,
    html`${extra.notice === undefined ? '' : notice(extra.notice)}
<dl>
<dt>Service</dt><dd>${hold.service}</dd>
<dt>Status</dt><dd id="hold-status">${hold.status}</dd>
<dt>Amount</dt><dd>${money(hold.amount?.amountMinor ?? 0n, currency)}</dd>
<dt>Captured</dt><dd>${money(hold.capturedMinor, currency)}</dd>
<dt>Refunded</dt><dd id="hold-refunded">${money(hold.refundedMinor, currency)}</dd>
<dt>Reference</dt><dd>${hold.reference}</dd>
<dt>Created</dt><dd>${hold.createdAt?.toISOString() ?? ''}</dd>
</dl>
<h2>Refund</h2>
${form}
<p><a href="/wallet?${new URLSearchParams({ service: hold.service, currency }).toString()}">Back to ${hold.service}'s holds</a></p>`,
    '/wallet',
  );
}

function confirmPage(session: Session, holdId: string): Html {
  const pending = session.pendingRefund;
  if (pending?.holdId !== holdId)
    return layout('Nothing to confirm', session, html`<p><a href="/wallet">Wallet</a></p>`, '/wallet');
  return layout(
    'Confirm the refund',
    session,
    html`<p>You signed in again. Refund ${pending.amount} of hold <code>${pending.holdId}</code> of
${pending.service} with the reason “${pending.reason}”?</p>
<form method="post" action="/wallet/holds/${encodeURIComponent(holdId)}/refund">
${csrfField(session)}
<input type="hidden" name="service" value="${pending.service}">
<input type="hidden" name="idempotency_key" value="${pending.idempotencyKey}">
<input type="hidden" name="amount" value="${pending.amount}">
<input type="hidden" name="reason" value="${pending.reason}">
<p><button>Refund</button></p>
</form>
<p><a href="${holdLink(holdId, pending.service)}">Cancel</a></p>`,
    '/wallet',
  );
}

async function readHold(deps: ConsoleDeps, session: Session, holdId: string, service: string): Promise<Hold> {
  const { hold } = await deps.wallet.getHold({ holdId, service }, await asOperatorOnWallet(deps, session));
  return hold as Hold;
}

async function runRefund(deps: ConsoleDeps, c: ConsoleContext, pending: PendingRefund): Promise<Response> {
  const session = c.get('session');
  const hold = await readHold(deps, session, pending.holdId, pending.service);
  const amountMinor = parseAmountMinor(pending.amount, hold.amount?.currency ?? '');
  const refused = (errors: Record<string, FieldError>) => c.html(holdPage(session, hold, { errors, pending }), 422);
  if (amountMinor === undefined || amountMinor === 0n)
    return refused({ amount: { message: 'Type an amount above zero, such as 12.50.', reason: amountInvalid } });
  try {
    await deps.wallet.refund(
      {
        idempotencyKey: pending.idempotencyKey,
        holdId: pending.holdId,
        amountMinor,
        reason: pending.reason,
        service: pending.service,
      },
      await asOperatorOnWallet(deps, session),
    );
  } catch (error) {
    if (!isFormRefusal(error)) throw error;
    return refused(fieldErrors(error));
  }
  await deps.sessions.change(session, (data) => {
    delete data.pendingRefund;
  });
  return c.redirect(holdLink(pending.holdId, pending.service, { refunded: pending.amount }), 303);
}

const text = (body: Record<string, unknown>, name: string): string =>
  typeof body[name] === 'string' ? body[name].trim() : '';

export function addRefundPages(app: Hono<ConsoleEnv>, deps: ConsoleDeps): void {
  app.get('/wallet/holds/:id', async (c) => {
    const session = c.get('session');
    let hold: Hold;
    try {
      hold = await readHold(deps, session, c.req.param('id'), (c.req.query('service') ?? '').trim());
    } catch (error) {
      if (!isFormRefusal(error)) throw error;
      return c.html(layout('No such hold', session, alert(error), '/wallet'), 404);
    }
    const refunded = c.req.query('refunded');
    return c.html(holdPage(session, hold, refunded === undefined ? {} : { notice: `Refunded ${refunded}.` }));
  });
  app.get('/wallet/holds/:id/refund/confirm', (c) => c.html(confirmPage(c.get('session'), c.req.param('id'))));
  app.post('/wallet/holds/:id/refund', async (c) => {
    const session = c.get('session');
    const body = await c.req.parseBody();
    const pending: PendingRefund = {
      holdId: c.req.param('id'),
      service: text(body, 'service'),
      amount: text(body, 'amount'),
      reason: text(body, 'reason'),
      idempotencyKey: text(body, 'idempotency_key') || randomBytes(16).toString('base64url'),
    };
    const signedIn = session.signedIn;
    if (signedIn === undefined) return c.redirect('/signin', 303);
    if (deps.now() - signedIn.authTimeMs > deps.config.CONSOLE_REAUTH_MAX_AGE_S * 1000) {
      await deps.sessions.change(session, (data) => {
        data.pendingRefund = pending;
      });
      const back = `/wallet/holds/${encodeURIComponent(pending.holdId)}/refund/confirm`;
      return c.redirect(`/signin?fresh=1&return=${encodeURIComponent(back)}`, 303);
    }
    return runRefund(deps, c, pending);
  });
}
