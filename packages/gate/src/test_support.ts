// Shared setup for the gate's tests: an issuer with residents whose phones make presentations for "transit", and
// an in-process transit service (a GateLink) that holds uploaded taps idempotently by tap id and can be taken down.
import { checkFieldLengths, type FieldLimits } from '@citypass/platform/field_limits';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  UploadTapsRequest,
  type GetGateConfigRequest,
  type GetGateConfigResponse,
  type StoredTap,
  type UploadTapsResponse,
} from '@citypass/proto/transit/v1/transit';
import { createPresentation, issueCredential, publicJwkOf } from '@citypass/credential';
import type { AmountCap } from '@citypass/credential';
import { DomainError } from '@citypass/platform/errors';
import { gateAudience } from './decide.ts';
import { messageTooLargeReason, type GateLink } from './gate_link.ts';
import type { JournaledTap } from './journal_format.ts';

export const testIssuer = 'https://id.city.example';
const dayMs = 24 * 60 * 60 * 1000;

export type TestResident = {
  readonly residentId: string;
  readonly credentialId: string;
  /** A fresh presentation for the gates (next counter, new nonce). */
  present(nowMs?: number, amountCap?: AmountCap): string;
};

export type TestIssuer = { readonly jwksJson: string; resident(): TestResident };

export function makeIssuer(): TestIssuer {
  const issuerKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const kid = 'gate-test-key';
  const jwksJson = JSON.stringify({ keys: [{ ...publicJwkOf(issuerKey.publicKey), kid, use: 'sig', alg: 'ES256' }] });
  const resident = (): TestResident => {
    const device = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const residentId = randomUUID();
    const credentialId = randomUUID();
    const issuedAtMs = Date.now() - dayMs;
    const credential = issueCredential(
      {
        issuer: testIssuer,
        residentId,
        credentialId,
        devicePublicJwk: publicJwkOf(device.publicKey),
        concession: 'adult',
        statusIndex: 1,
        statusUri: `${testIssuer}/status/1`,
        issuedAtMs,
        expiresAtMs: issuedAtMs + 365 * dayMs,
      },
      { kid, privateKey: issuerKey.privateKey },
    );
    let counter = 0;
    return {
      residentId,
      credentialId,
      present: (nowMs = Date.now(), amountCap?: AmountCap) =>
        createPresentation({
          credential,
          devicePrivateKey: device.privateKey,
          audience: gateAudience,
          counter: counter++,
          nowMs,
          ...(amountCap === undefined ? {} : { amountCap }),
        }),
    };
  };
  return { jwksJson, resident };
}

export function gateConfigFor(
  gateId: string,
  issuer: TestIssuer,
  overrides: Partial<GetGateConfigResponse> = {},
): GetGateConfigResponse {
  return {
    gateId,
    stationId: 'central',
    stationName: 'Central',
    issuer: testIssuer,
    issuerJwksJson: issuer.jwksJson,
    credentialStatusBucket: '',
    denyListBucket: '',
    deniedResidents: [],
    revokedCredentials: [],
    ...overrides,
  };
}

/** Transit as the gate sees it: GetGateConfig and an UploadTaps that is idempotent by tap id. */
export class FakeTransit implements GateLink {
  config: GetGateConfigResponse;
  /** While true every call fails with UNAVAILABLE. */
  down = false;
  /** Store the taps but fail the reply (a reply lost on the way back), this many times. */
  loseReplies = 0;
  /** Tap ids refused for good. */
  readonly refuse = new Set<string>();
  /** Encoded UploadTapsRequest bytes taken at most (a gRPC receive limit); larger ones fail with MESSAGE_TOO_LARGE. */
  maxRequestBytes = Number.POSITIVE_INFINITY;
  /** Field length limits checked as transit's gRPC edge does (FIELD_TOO_LONG), if set. */
  fieldLimits: FieldLimits | undefined;
  readonly held = new Map<string, StoredTap>();
  readonly uploads: { readonly atMs: number; readonly tapIds: readonly string[]; readonly requestBytes: number }[] = [];
  /** Requests refused as over maxRequestBytes: their sizes and tap counts. */
  readonly tooLarge: { readonly requestBytes: number; readonly taps: number }[] = [];
  readonly failedCallTimesMs: number[] = [];

  constructor(config: GetGateConfigResponse) {
    this.config = config;
  }

  getGateConfig(request: GetGateConfigRequest): Promise<GetGateConfigResponse> {
    if (this.down) return Promise.reject(this.#unavailable());
    return Promise.resolve({ ...structuredClone(this.config), gateId: request.gateId });
  }

  uploadTaps(request: UploadTapsRequest): Promise<UploadTapsResponse> {
    if (this.down) return Promise.reject(this.#unavailable());
    if (this.fieldLimits !== undefined) {
      try {
        checkFieldLengths(request, this.fieldLimits);
      } catch (error) {
        return Promise.reject(error instanceof Error ? error : new Error(String(error)));
      }
    }
    const requestBytes = UploadTapsRequest.encode(request).finish().length;
    if (requestBytes > this.maxRequestBytes) {
      this.tooLarge.push({ requestBytes, taps: request.taps.length });
      const message = `Received message larger than max (${requestBytes} vs ${this.maxRequestBytes})`;
      return Promise.reject(new DomainError('resource_exhausted', messageTooLargeReason, message));
    }
    this.uploads.push({ atMs: Date.now(), tapIds: request.taps.map((tap) => tap.tapId), requestBytes });
    const response: UploadTapsResponse = { acceptedTapIds: [], rejected: [] };
    for (const tap of request.taps) {
      if (this.refuse.has(tap.tapId)) {
        response.rejected.push({ tapId: tap.tapId, reason: 'TAP_MALFORMED' });
        continue;
      }
      if (!this.held.has(tap.tapId)) this.held.set(tap.tapId, tap);
      response.acceptedTapIds.push(tap.tapId);
    }
    if (this.loseReplies > 0) {
      this.loseReplies--;
      return Promise.reject(this.#unavailable());
    }
    return Promise.resolve(response);
  }

  /** How many times each tap id was sent. */
  sendCounts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const upload of this.uploads)
      for (const tapId of upload.tapIds) counts.set(tapId, (counts.get(tapId) ?? 0) + 1);
    return counts;
  }

  #unavailable(): DomainError {
    this.failedCallTimesMs.push(Date.now());
    return new DomainError('unavailable', 'LINK_DOWN', 'transit is unreachable');
  }
}

export function journaledTap(overrides: Partial<JournaledTap> = {}): JournaledTap {
  return {
    tapId: randomUUID(),
    presentation: 'credential~kb-jwt',
    direction: 'in',
    tappedAtMs: Date.now(),
    decision: 'OPEN',
    reason: '',
    ...overrides,
  };
}

const directories: string[] = [];
process.once('exit', () => {
  for (const dir of directories) for (const path of [dir, `${dir}-cut`]) rmSync(path, { recursive: true, force: true });
});

/** A new directory for one gate's journal, removed when the test process exits. */
export async function journalDirectory(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'citypass-gate-'));
  directories.push(dir);
  return dir;
}

/** Polls until `condition` holds; fails after `timeoutMs`. Returns how long it took. */
export async function eventually(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 5_000,
): Promise<number> {
  const startedAtMs = Date.now();
  while (!(await condition())) {
    if (Date.now() - startedAtMs > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return Date.now() - startedAtMs;
}
