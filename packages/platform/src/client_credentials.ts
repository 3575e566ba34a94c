// A service's own access token from identity (OAuth client_credentials with a resource indicator), fetched when
// first needed and renewed a minute before it expires. Concurrent callers share one fetch. The token and the
// client secret never appear in errors or logs.
import { DomainError } from './errors.ts';
import { commonReasons } from './reasons.ts';

export interface ClientCredentialsOptions {
  /** identity's token endpoint, e.g. http://127.0.0.1:7100/token */
  readonly tokenUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** The resource server the token is for, e.g. urn:citypass:wallet */
  readonly resource: string;
  readonly scope: string;
  readonly now?: () => number;
  readonly fetchTimeoutMs?: number;
}

const renewBeforeMs = 60_000;

export class ClientCredentials {
  readonly #options: ClientCredentialsOptions;
  readonly #now: () => number;
  #token: { value: string; renewAtMs: number } | undefined;
  #pending: Promise<string> | undefined;

  constructor(options: ClientCredentialsOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  async token(): Promise<string> {
    if (this.#token !== undefined && this.#now() < this.#token.renewAtMs) return this.#token.value;
    this.#pending ??= this.#fetch().finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  /** Forget the token (the resource server refused it): the next call fetches a new one. */
  invalidate(): void {
    this.#token = undefined;
  }

  async #fetch(): Promise<string> {
    const { tokenUrl, clientId, clientSecret, resource, scope } = this.#options;
    let response: Response;
    try {
      response = await fetch(tokenUrl, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ grant_type: 'client_credentials', resource, scope }),
        signal: AbortSignal.timeout(this.#options.fetchTimeoutMs ?? 5_000),
      });
    } catch (error) {
      throw new DomainError(
        'unavailable',
        commonReasons.TOKEN_ENDPOINT_UNAVAILABLE,
        `token endpoint ${tokenUrl} is unreachable`,
        { cause: error },
      );
    }
    const body = (await response.json().catch(() => ({}))) as {
      access_token?: unknown;
      expires_in?: unknown;
      error?: unknown;
    };
    if (!response.ok || typeof body.access_token !== 'string') {
      const error = typeof body.error === 'string' ? body.error : `HTTP ${response.status}`;
      const kind = response.status >= 500 ? 'unavailable' : 'unauthenticated';
      throw new DomainError(
        kind,
        commonReasons.TOKEN_REQUEST_REFUSED,
        `token endpoint refused client ${clientId} (${error})`,
      );
    }
    const lifetimeMs = (typeof body.expires_in === 'number' ? body.expires_in : 300) * 1000;
    this.#token = {
      value: body.access_token,
      renewAtMs: this.#now() + Math.max(lifetimeMs - renewBeforeMs, lifetimeMs / 2),
    };
    return body.access_token;
  }
}
