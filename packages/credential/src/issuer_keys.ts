// The issuer's public keys by kid, parsed once. Seeded from a JWKS so gates verify fully offline; with a jwksUri an
// unknown kid triggers a refetch (key rotation), throttled so a flood of made-up kids costs at most one request
// per minRefetchIntervalMs, and concurrent misses share that one request.
import type { KeyObject } from 'node:crypto';
import { credentialError, credentialReasons } from './errors.ts';
import { issuerKeysOfJwks, jwksOf, type IssuerKey, type Jwks } from './jwks.ts';
import { fetchJwks, type FetchFunction } from './jwks_fetch.ts';

export type IssuerKeysOptions = {
  /** Offline seed, e.g. a persisted `toJwks()`. */
  readonly jwks?: unknown;
  readonly jwksUri?: string;
  readonly fetch?: FetchFunction;
  readonly minRefetchIntervalMs?: number;
  readonly fetchTimeoutMs?: number;
  readonly maxJwksBytes?: number;
  readonly now?: () => number;
};

export class IssuerKeys {
  #keys: Map<string, IssuerKey>;
  readonly #jwksUri: string | undefined;
  readonly #fetch: FetchFunction;
  readonly #minRefetchIntervalMs: number;
  readonly #fetchTimeoutMs: number;
  readonly #maxJwksBytes: number;
  readonly #now: () => number;
  #lastFetchStartedAtMs = Number.NEGATIVE_INFINITY;
  #inFlight: Promise<void> | undefined;

  constructor(options: IssuerKeysOptions) {
    this.#keys = options.jwks === undefined ? new Map<string, IssuerKey>() : issuerKeysOfJwks(options.jwks);
    this.#jwksUri = options.jwksUri;
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#minRefetchIntervalMs = options.minRefetchIntervalMs ?? 30_000;
    this.#fetchTimeoutMs = options.fetchTimeoutMs ?? 5_000;
    this.#maxJwksBytes = options.maxJwksBytes ?? 64 * 1024;
    this.#now = options.now ?? Date.now;
  }

  get size(): number {
    return this.#keys.size;
  }

  get(kid: string): KeyObject | undefined {
    return this.#keys.get(kid)?.key;
  }

  /** The key for kid, refetching the JWKS on a miss when allowed; ISSUER_KEY_UNKNOWN when it is still missing. */
  async resolve(kid: string): Promise<KeyObject> {
    const known = this.get(kid);
    if (known !== undefined) return known;
    if (this.#jwksUri !== undefined) {
      if (this.#inFlight !== undefined) await this.#inFlight;
      else if (this.#now() - this.#lastFetchStartedAtMs >= this.#minRefetchIntervalMs) await this.refresh();
    }
    const fetched = this.get(kid);
    if (fetched === undefined) {
      throw credentialError(
        'unauthenticated',
        credentialReasons.ISSUER_KEY_UNKNOWN,
        'credential key id is not a known issuer key',
      );
    }
    return fetched;
  }

  /** Fetches the JWKS now (sharing a fetch already running). ISSUER_KEYS_UNAVAILABLE when it cannot be used. */
  refresh(): Promise<void> {
    this.#inFlight ??= this.#fetchAndReplace().finally(() => {
      this.#inFlight = undefined;
    });
    return this.#inFlight;
  }

  toJwks(): Jwks {
    return jwksOf(this.#keys.values());
  }

  async #fetchAndReplace(): Promise<void> {
    const uri = this.#jwksUri;
    if (uri === undefined) {
      throw credentialError(
        'failed_precondition',
        credentialReasons.ISSUER_KEYS_UNAVAILABLE,
        'no JWKS URI is configured',
      );
    }
    this.#lastFetchStartedAtMs = this.#now();
    let keys: Map<string, IssuerKey>;
    try {
      keys = issuerKeysOfJwks(await fetchJwks(uri, this.#fetch, this.#fetchTimeoutMs, this.#maxJwksBytes));
    } catch (cause) {
      throw credentialError(
        'unavailable',
        credentialReasons.ISSUER_KEYS_UNAVAILABLE,
        'issuer JWKS could not be fetched',
        cause,
      );
    }
    // A set without a usable key is a broken publication, not a revocation of every key: keep the old set.
    if (keys.size === 0) {
      throw credentialError(
        'unavailable',
        credentialReasons.ISSUER_KEYS_UNAVAILABLE,
        'issuer JWKS has no ES256 signing key',
      );
    }
    this.#keys = keys;
  }
}
