// Identity as its own process on its own database and nats-server, with what a system test needs to drive it.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { freePort, startNatsServer, testPostgres, type LocalNats, type TestDatabase } from '@citypass/platform/testing';
import { startServiceProcess, type ServiceProcess } from './service_process.ts';

export interface IdentityProcess {
  readonly process: ServiceProcess;
  readonly issuer: string;
  readonly grpcAddress: string;
  readonly nats: LocalNats;
  readonly database: TestDatabase;
  readonly operatorSecret: string;
  /** A fresh operator access token (client credentials, identity:admin). */
  operatorToken(): Promise<string>;
  /** Stops identity (if still running), the broker and the database. */
  stop(): Promise<void>;
}

export async function startIdentityProcess(extraEnv: Record<string, string> = {}): Promise<IdentityProcess> {
  const secret = (): string => randomBytes(32).toString('base64url');
  const database = await testPostgres();
  const nats = await startNatsServer();
  const httpPort = await freePort();
  const grpcPort = await freePort();
  const issuer = `http://127.0.0.1:${httpPort}`;
  const operatorSecret = secret();
  const process = await startServiceProcess('identity', {
    IDENTITY_ISSUER: issuer,
    IDENTITY_HTTP_HOST: '127.0.0.1',
    IDENTITY_HTTP_PORT: String(httpPort),
    IDENTITY_GRPC_HOST: '127.0.0.1',
    IDENTITY_GRPC_PORT: String(grpcPort),
    IDENTITY_DATABASE_URL: database.url,
    NATS_URL: nats.url,
    IDENTITY_KEY_ENCRYPTION_KEY: secret(),
    IDENTITY_COOKIE_KEYS: secret(),
    IDENTITY_OPERATOR_CLIENT_SECRET: operatorSecret,
    ...extraEnv,
  });
  return {
    process,
    issuer,
    grpcAddress: `127.0.0.1:${grpcPort}`,
    nats,
    database,
    operatorSecret,
    async operatorToken() {
      const response = await fetch(`${issuer}/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`operator:${operatorSecret}`).toString('base64')}`,
        },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          resource: 'urn:citypass:identity',
          scope: 'identity:admin',
        }),
      });
      assert.equal(response.status, 200);
      return ((await response.json()) as { access_token: string }).access_token;
    },
    async stop() {
      await process.stop();
      await nats.stop();
      await database.drop();
    },
  };
}
