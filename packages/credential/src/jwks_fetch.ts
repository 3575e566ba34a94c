// One bounded HTTP GET of a JWKS: a deadline, a body size limit, and nothing but a 200 JSON answer accepted.
export type FetchFunction = typeof globalThis.fetch;

export async function fetchJwks(
  uri: string,
  fetchFunction: FetchFunction,
  timeoutMs: number,
  maxBytes: number,
): Promise<unknown> {
  const response = await fetchFunction(uri, {
    signal: AbortSignal.timeout(timeoutMs),
    headers: { accept: 'application/jwk-set+json, application/json' },
  });
  if (response.status !== 200) {
    await response.body?.cancel();
    throw new Error(`JWKS endpoint answered HTTP ${response.status}`);
  }
  const declaredBytes = Number(response.headers.get('content-length') ?? '0');
  if (declaredBytes > maxBytes) {
    await response.body?.cancel();
    throw new Error(`JWKS response declares ${declaredBytes} bytes, limit ${maxBytes}`);
  }
  return JSON.parse(await readLimited(response, maxBytes)) as unknown;
}

async function readLimited(response: Response, maxBytes: number): Promise<string> {
  if (response.body === null) return '';
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw new Error(`JWKS response exceeds ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
