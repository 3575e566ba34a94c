// Shared setup for this package's tests: an issuer, a phone, a credential and a verifier at a fixed clock.
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';
import { isDomainError } from '@citypass/platform/errors';
import { encodeBase64Url } from './base64url.ts';
import { issueCredential, type IssueCredentialInput } from './credential.ts';
import { IssuerKeys } from './issuer_keys.ts';
import { publicJwkOf } from './jwk.ts';
import { createPresentation, type CreatePresentationInput } from './presentation.ts';
import { ReplayCache } from './replay_cache.ts';
import { RevocationSet } from './revocations.ts';
import { PresentationVerifier, type PresentationVerifierOptions } from './verifier.ts';

export const issuer = 'https://id.city.example';
export const audience = 'urn:citypass:transit:gate';
export const nowMs = Date.UTC(2026, 10, 25, 12, 0, 0);
export const dayMs = 24 * 60 * 60 * 1000;

export type KeyPair = { publicKey: KeyObject; privateKey: KeyObject };

export function newKeyPair(): KeyPair {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' });
}

export function jwksOfKey(kid: string, key: KeyObject): { keys: object[] } {
  return { keys: [{ ...publicJwkOf(key), kid, use: 'sig', alg: 'ES256' }] };
}

/** Decoded header and payload of a compact JWS, for tests that build altered copies. */
export function partsOf(compact: string): {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  signature: string;
} {
  const [header = '', payload = '', signature = ''] = compact.split('.');
  const json = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString()) as Record<string, unknown>;
  return { header: json(header), payload: json(payload), signature };
}

/** An ES256 JWS over any header and payload, with no checks: for building hostile inputs. */
export function signRaw(header: object, payload: object, privateKey: KeyObject): string {
  const input = `${encodeBase64Url(JSON.stringify(header))}.${encodeBase64Url(JSON.stringify(payload))}`;
  return `${input}.${sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
}

export type Fixture = {
  readonly issuerKey: KeyPair;
  readonly kid: string;
  readonly device: KeyPair;
  readonly credential: string;
  readonly credentialId: string;
  readonly revocations: RevocationSet;
  readonly verifier: PresentationVerifier;
  /** Another verifier for the same issuer and revocations, with its own replay cache. */
  newVerifier(options?: Partial<PresentationVerifierOptions>): PresentationVerifier;
  issue(overrides?: Partial<IssueCredentialInput>): string;
  /** A fresh presentation of the fixture's credential with the next counter value. */
  present(overrides?: Partial<CreatePresentationInput>): string;
};

export function makeFixture(verifierOptions: Partial<PresentationVerifierOptions> = {}): Fixture {
  const issuerKey = newKeyPair();
  const kid = 'k1';
  const device = newKeyPair();
  const issue = (overrides: Partial<IssueCredentialInput> = {}): string =>
    issueCredential(
      {
        issuer,
        residentId: randomUUID(),
        credentialId: randomUUID(),
        devicePublicJwk: publicJwkOf(device.publicKey),
        concession: 'adult',
        statusIndex: 4711,
        statusUri: `${issuer}/status/1`,
        issuedAtMs: nowMs - dayMs,
        expiresAtMs: nowMs + 365 * dayMs,
        ...overrides,
      },
      { kid, privateKey: issuerKey.privateKey },
    );
  const credentialId = randomUUID();
  const credential = issue({ credentialId });
  const revocations = new RevocationSet();
  const newVerifier = (options: Partial<PresentationVerifierOptions> = {}): PresentationVerifier =>
    new PresentationVerifier({
      issuer,
      issuerKeys: new IssuerKeys({ jwks: jwksOfKey(kid, issuerKey.publicKey) }),
      revocations,
      replayCache: new ReplayCache(),
      now: () => nowMs,
      ...verifierOptions,
      ...options,
    });
  const verifier = newVerifier();
  let counter = 0;
  const present = (overrides: Partial<CreatePresentationInput> = {}): string =>
    createPresentation({
      credential,
      devicePrivateKey: device.privateKey,
      audience,
      counter: counter++,
      nowMs,
      ...overrides,
    });
  return { issuerKey, kid, device, credential, credentialId, revocations, verifier, newVerifier, issue, present };
}

/** Asserts that `action` fails with a DomainError of exactly this kind and reason. */
export async function assertRejects(action: () => unknown, kind: string, reason: string): Promise<void> {
  await assert.rejects(
    async () => {
      await action();
    },
    (error: unknown) => {
      assert.ok(isDomainError(error), `expected a DomainError, got ${String(error)}`);
      assert.deepEqual({ kind: error.kind, reason: error.reason }, { kind, reason });
      return true;
    },
  );
}
