// GET /status: the Token Status List (IETF OAuth Status List) that each credential's `status.status_list`
// points to, for verifiers outside citypass that do not watch the KV bucket. One bit per credential, set when it
// is revoked, deflated and signed by the issuer key; rebuilt at most every `cacheMs`.
import type { ServerResponse } from 'node:http';
import { deflateSync } from 'node:zlib';
import { signJws } from '@citypass/credential';
import type { IdentityDeps } from '../app/deps.ts';
import { statusListEntries } from '../store/credentials.ts';

const cacheMs = 10_000;
const ttlS = 60;

export function statusListHandler(deps: IdentityDeps): (response: ServerResponse) => Promise<void> {
  let cached: { token: string; builtAtMs: number } | undefined;
  return async (response) => {
    const now = deps.now();
    if (cached === undefined || now - cached.builtAtMs > cacheMs)
      cached = { token: await buildStatusList(deps, now), builtAtMs: now };
    response.writeHead(200, {
      'content-type': 'application/statuslist+jwt',
      'cache-control': `max-age=${cacheMs / 1000}`,
    });
    response.end(cached.token);
  };
}

export async function buildStatusList(deps: IdentityDeps, nowMs: number): Promise<string> {
  const entries = await statusListEntries(deps.pool);
  const highest = Math.max(0, ...entries.map((entry) => entry.index));
  const bits = Buffer.alloc(Math.floor(highest / 8) + 1);
  for (const { index, revoked } of entries) {
    if (!revoked) continue;
    bits[index >> 3] = (bits[index >> 3] ?? 0) | (1 << (index & 7));
  }
  const signer = deps.keys().signer;
  return signJws(
    { alg: 'ES256', typ: 'statuslist+jwt', kid: signer.kid },
    {
      sub: `${deps.issuer}/status`,
      iat: Math.floor(nowMs / 1000),
      exp: Math.floor(nowMs / 1000) + ttlS,
      ttl: ttlS,
      status_list: { bits: 1, lst: deflateSync(bits).toString('base64url') },
    },
    signer.privateKey,
  );
}
