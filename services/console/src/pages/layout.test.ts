import assert from 'node:assert/strict';
import { test } from 'node:test';
import { html } from 'hono/html';
import { unscoped } from '@citypass/contracts';
import type { Session } from '../sessions.ts';
import { layout } from './layout.ts';

test('layout - the navigation shows Audit to a transit-department admin, not to a finance operator', async () => {
  const nav = async (roles: string[], scope: typeof unscoped): Promise<string> => {
    const signedIn = {
      subject: 'operator:x',
      username: 'x',
      roles,
      scope,
      authTimeMs: 0,
      refreshToken: '',
      tokens: {},
    };
    const session = { csrfToken: 'c', createdAtMs: 0, lastSeenMs: 0, signedIn } as unknown as Session;
    return String(await layout('Home', session, html`<p>home</p>`));
  };
  const transitAdmin = await nav(['admin'], { merchant: '', department: 'transit' });
  assert.match(transitAdmin, /<a href="\/audit">Audit<\/a>/);
  assert.match(transitAdmin, /<a href="\/transit\/gates">Gates<\/a>/);
  assert.doesNotMatch(await nav(['finance'], unscoped), /href="\/audit"/);
  assert.match(await nav(['finance'], unscoped), /<a href="\/wallet">Wallet<\/a>/);
});
