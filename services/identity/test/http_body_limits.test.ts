// Every identity HTTP endpoint, ours and oidc-provider's, refuses a body over its limit without reading it:
// 413 with a stable error, answered while the client is still sending, and the connection closed.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import { startHarness, type IdentityHarness } from './harness.ts';

let h: IdentityHarness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h.stop();
});

const bodyBytes = 64 * 1024 * 1024;
const pieceBytes = 64 * 1024;

interface Outcome {
  readonly status: number;
  readonly body: string;
  /** Body bytes the socket took before the server answered. */
  readonly sentBeforeAnswer: number;
  /** Body bytes the socket took in all (what the client managed to send before the server closed). */
  readonly sent: number;
}

/** Sends a 64 MiB body as fast as the socket takes it, chunked or with its Content-Length announced. */
function sendLargeBody(
  path: string,
  framing: 'chunked' | 'content-length',
  contentType = 'application/json',
): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const socket = connect(h.identity.httpPort, '127.0.0.1');
    const framingHeader = framing === 'chunked' ? 'transfer-encoding: chunked' : `content-length: ${bodyBytes}`;
    let sent = 0;
    let sentBeforeAnswer = -1;
    let received = '';
    const piece = Buffer.alloc(pieceBytes, 'a');
    const chunkedPiece = Buffer.concat([Buffer.from(`${pieceBytes.toString(16)}\r\n`), piece, Buffer.from('\r\n')]);
    const pump = (): void => {
      while (sent < bodyBytes && !socket.destroyed) {
        sent += pieceBytes;
        if (!socket.write(framing === 'chunked' ? chunkedPiece : piece)) return;
      }
      if (sent >= bodyBytes && framing === 'chunked' && !socket.destroyed) socket.write('0\r\n\r\n');
    };
    socket.on('connect', () => {
      socket.write(
        `POST ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: ${contentType}\r\n${framingHeader}\r\n\r\n`,
      );
      pump();
    });
    socket.on('drain', pump);
    socket.on('data', (data: Buffer) => {
      if (sentBeforeAnswer === -1) sentBeforeAnswer = sent;
      received += data.toString('latin1');
    });
    socket.on('error', () => {
      /* the server closing on a sender is the expected end */
    });
    socket.on('close', () => {
      const [head = '', raw = ''] = received.split('\r\n\r\n');
      const body = /transfer-encoding: chunked/i.test(head) ? dechunk(raw) : raw;
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
      if (status === 0) reject(new Error(`no response to ${path}`));
      else resolve({ status, body, sentBeforeAnswer, sent });
    });
  });
}

function dechunk(raw: string): string {
  let body = '';
  for (let rest = raw; ; ) {
    const size = Number.parseInt(rest, 16);
    if (!(size > 0)) return body;
    const start = rest.indexOf('\r\n') + 2;
    body += rest.slice(start, start + size);
    rest = rest.slice(start + size + 2);
  }
}

function assertRefusedUnread(outcome: Outcome, what: string): void {
  assert.equal(outcome.status, 413, `${what}: ${outcome.body}`);
  assert.deepEqual(JSON.parse(outcome.body), {
    error: 'invalid_request',
    error_description: 'the request body is too large',
    reason: 'BODY_TOO_LARGE',
  });
  assert.ok(outcome.sentBeforeAnswer < bodyBytes / 4, `${what}: answered only after ${outcome.sentBeforeAnswer} bytes`);
  assert.ok(outcome.sent < bodyBytes / 4, `${what}: the server kept reading (${outcome.sent} bytes taken)`);
}

test('http - a large chunked body is refused unread at every kind of endpoint', async () => {
  const form = 'application/x-www-form-urlencoded';
  for (const [path, contentType] of [
    ['/challenge', form],
    ['/token', form],
    ['/request', form],
    ['/credential', 'application/json'],
    ['/credential/revoke', 'application/json'],
    ['/interaction/some-uid/login', form],
    ['/healthz', form],
  ] as const) {
    assertRefusedUnread(await sendLargeBody(path, 'chunked', contentType), `chunked ${path}`);
  }
});

test('http - a Content-Length over the limit is refused before the body is read', async () => {
  for (const path of ['/challenge', '/token', '/credential', '/credential/revoke', '/interaction/some-uid/login']) {
    assertRefusedUnread(await sendLargeBody(path, 'content-length'), `content-length ${path}`);
  }
});

test('http - a chunked body under the limit still works (PAR with a streamed body)', async () => {
  const form = new URLSearchParams({
    client_id: 'citypass-app',
    response_type: 'code',
    redirect_uri: 'citypass://auth/callback',
    scope: 'openid citypass_resident',
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    code_challenge_method: 'S256',
  }).toString();
  const response = await fetch(`${h.issuer}/request`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new Blob([form]).stream(),
    duplex: 'half',
  });
  assert.equal(response.status, 201, await response.clone().text());
  const nonce = await fetch(`${h.issuer}/challenge`, { method: 'POST' });
  assert.equal(nonce.status, 200, 'the nonce endpoint still answers a request without a body');
});
