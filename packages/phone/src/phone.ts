// The resident's phone app, simulated: PAR + PKCE + DPoP sign-in through identity's HTTP endpoints, enrollment or
// password login on the interaction pages, then the OpenID4VCI credential request. Only HTTP, exactly as a real app
// would speak it. Each step is its own method so tests can play it wrong on purpose; a step that does not answer as
// the protocol says throws PhoneError with the status and identity's answer (never a token or a password).
import { dpopProof, newDeviceKey, pkcePair, signCompact, type DeviceKey } from './jose.ts';

export class PhoneError extends Error {
  readonly status: number;

  constructor(step: string, status: number, detail: string) {
    super(`${step}: HTTP ${status}${detail === '' ? '' : ` ${detail.slice(0, 300)}`}`);
    this.name = 'PhoneError';
    this.status = status;
  }
}

/** Throws PhoneError unless the response has the status the protocol step expects. */
async function expectStatus(step: string, response: Response, status: number): Promise<void> {
  if (response.status !== status) throw new PhoneError(step, response.status, await response.clone().text());
}

export const appClientId = 'citypass-app';
export const redirectUri = 'citypass://auth/callback';

export class ResidentApp {
  readonly issuer: string;
  readonly dpopKey: DeviceKey;
  readonly deviceKey: DeviceKey;
  readonly #cookies = new Map<string, string>();

  /** A fresh browser session; pass keys to play the same phone again. */
  constructor(issuer: string, keys: { dpopKey?: DeviceKey; deviceKey?: DeviceKey } = {}) {
    this.issuer = issuer;
    this.dpopKey = keys.dpopKey ?? newDeviceKey();
    this.deviceKey = keys.deviceKey ?? newDeviceKey();
  }

  /** The whole first sign-in: returns the DPoP-bound access token. */
  async enroll(enrollmentCode: string, password: string): Promise<string> {
    return this.#signIn('enroll', new URLSearchParams({ code: enrollmentCode, password }));
  }

  async login(residentId: string, password: string): Promise<string> {
    return this.#signIn('login', new URLSearchParams({ resident_id: residentId, password }));
  }

  /** Returns the authorization code after a successful interaction (for tests that redeem it themselves). */
  async authorize(
    action: 'enroll' | 'login',
    form: URLSearchParams,
    verifierOut?: { verifier?: string },
  ): Promise<{ code: string; verifier: string; status: number }> {
    const pkce = pkcePair();
    if (verifierOut) verifierOut.verifier = pkce.verifier;
    const par = await this.post(
      '/request',
      new URLSearchParams({
        client_id: appClientId,
        response_type: 'code',
        redirect_uri: redirectUri,
        scope: 'openid citypass_resident',
        code_challenge: pkce.challenge,
        code_challenge_method: 'S256',
        state: 'state-1',
        dpop_jkt: this.dpopKey.thumbprint,
      }),
    );
    await expectStatus('PAR', par, 201);
    const { request_uri: requestUri } = (await par.json()) as { request_uri: string };
    const toInteraction = await this.get(
      `/auth?client_id=${appClientId}&request_uri=${encodeURIComponent(requestUri)}`,
    );
    const interactionPath = locationOf(toInteraction);
    const page = await this.get(interactionPath);
    await expectStatus('interaction page', page, 200);
    const submitted = await this.post(`${interactionPath}/${action}`, form);
    if (submitted.status !== 303) return { code: '', verifier: pkce.verifier, status: submitted.status };
    const toConsent = await this.get(locationOf(submitted));
    const consentPath = locationOf(toConsent);
    await expectStatus('consent page', await this.get(consentPath), 200);
    const confirmed = await this.post(`${consentPath}/confirm`, new URLSearchParams());
    const resumed = await this.get(locationOf(confirmed));
    const callback = new URL(locationOf(resumed));
    const code = callback.searchParams.get('code');
    if (code === null)
      throw new PhoneError('callback', 303, `no code (error ${callback.searchParams.get('error') ?? ''})`);
    if (callback.searchParams.get('iss') !== this.issuer)
      throw new PhoneError('callback', 303, 'iss is not the issuer');
    return { code, verifier: pkce.verifier, status: 303 };
  }

  async redeem(
    code: string,
    verifier: string,
    proof = dpopProof(this.dpopKey, 'POST', `${this.issuer}/token`),
  ): Promise<Response> {
    return fetch(`${this.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', dpop: proof },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        code_verifier: verifier,
        redirect_uri: redirectUri,
        client_id: appClientId,
      }),
    });
  }

  /** OpenID4VCI: fetch a c_nonce, prove possession of the device key, receive the credential. */
  async requestCredential(
    accessToken: string,
    options: { proofIatS?: number; proof?: string } = {},
  ): Promise<Response> {
    const nonceResponse = await fetch(`${this.issuer}/challenge`, { method: 'POST' });
    await expectStatus('nonce', nonceResponse, 200);
    const { c_nonce: nonce } = (await nonceResponse.json()) as { c_nonce: string };
    const proof =
      options.proof ??
      signCompact(
        { typ: 'openid4vci-proof+jwt', alg: 'ES256', jwk: this.deviceKey.publicJwk },
        { aud: this.issuer, iat: options.proofIatS ?? Math.floor(Date.now() / 1000), nonce },
        this.deviceKey.privateKey,
      );
    return this.credentialRequest(accessToken, {
      credential_configuration_id: 'citypass_resident',
      proofs: { jwt: [proof] },
    });
  }

  /** requestCredential, expecting success: the credential itself. */
  async issueCredential(accessToken: string): Promise<string> {
    const response = await this.requestCredential(accessToken);
    await expectStatus('credential', response, 200);
    const body = (await response.json()) as { credentials?: { credential?: unknown }[] };
    const credential = body.credentials?.[0]?.credential;
    if (typeof credential !== 'string') throw new PhoneError('credential', 200, 'no credential in the answer');
    return credential;
  }

  async credentialRequest(accessToken: string, body: unknown): Promise<Response> {
    return fetch(`${this.issuer}/credential`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `DPoP ${accessToken}`,
        dpop: dpopProof(this.dpopKey, 'POST', `${this.issuer}/credential`, { accessToken }),
      },
      body: JSON.stringify(body),
    });
  }

  async #signIn(action: 'enroll' | 'login', form: URLSearchParams): Promise<string> {
    const { code, verifier, status } = await this.authorize(action, form);
    if (status !== 303) throw new PhoneError(`${action} was refused`, status, '');
    const token = await this.redeem(code, verifier);
    await expectStatus('token', token, 200);
    const body = (await token.json()) as { access_token: string; token_type: string };
    if (body.token_type !== 'DPoP') throw new PhoneError('token', 200, `token_type ${body.token_type}, not DPoP`);
    return body.access_token;
  }

  async get(path: string): Promise<Response> {
    return this.#send(path, { method: 'GET' });
  }

  async post(path: string, form: URLSearchParams): Promise<Response> {
    return this.#send(path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form,
    });
  }

  async #send(path: string, init: RequestInit): Promise<Response> {
    const url = path.startsWith('http') ? path : `${this.issuer}${path}`;
    const cookie = [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    const response = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers as Record<string, string> | undefined), ...(cookie ? { cookie } : {}) },
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const [name, ...value] = (pair ?? '').split('=');
      if (name) this.#cookies.set(name.trim(), value.join('='));
    }
    return response;
  }
}

function locationOf(response: Response): string {
  const location = response.headers.get('location');
  if (response.status < 300 || response.status >= 400 || location === null)
    throw new PhoneError('expected a redirect', response.status, '');
  return location;
}
