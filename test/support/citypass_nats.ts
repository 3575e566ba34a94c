// The deployment's NATS users on a real nats-server: the authorization block of the dev NATS (ConfigMap nats-config in
// deploy/k8s), with each password in the environment variable the pod gets from the nats-users Secret, and probe
// clients that log in as one of those users and keep every permissions violation the server reports to them, with
// what the permissions test tries as them.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { DeliverPolicy, jetstream } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect, PermissionViolationError, type NatsConnection } from '@nats-io/transport-node';
import { startNatsServer, type LocalNats } from '@citypass/platform/testing';

// health_billing's and console's passwords must be set too: nats-server refuses a config whose $NATS_<USER>_PASSWORD is undefined.
export const natsUsers = ['identity', 'wallet', 'transit', 'health_billing', 'console', 'gate'] as const;
export type NatsUser = (typeof natsUsers)[number];

const k8sDir = join(import.meta.dirname, '..', '..', 'deploy', 'k8s');

/** The data of the ConfigMap `name` defined in `file` (a path under deploy/k8s). */
export function deployedConfigMap(file: string, name: string): Record<string, string> {
  for (const document of parseAllDocuments(readFileSync(join(k8sDir, file), 'utf8'))) {
    const value = document.toJS() as {
      kind?: string;
      metadata?: { name?: string };
      data?: Record<string, string>;
    } | null;
    if (value?.kind === 'ConfigMap' && value.metadata?.name === name) return value.data ?? {};
  }
  assert.fail(`no ConfigMap ${name} in deploy/k8s/${file}`);
}

/** The stream and bucket names a service's ConfigMap sets (the authorization block names the same). */
export function deployedNames(file: string, name: string): Record<string, string> {
  return Object.fromEntries(
    Object.entries(deployedConfigMap(file, name)).filter(([key]) => /_(STREAM|BUCKET)$/.test(key)),
  );
}

export interface CitypassNats {
  readonly server: LocalNats;
  /** A service's NATS_URL as its Secret holds it: nats://<user>:<password>@host:port. */
  url(user: NatsUser): string;
  password(user: NatsUser): string;
  stop(): Promise<void>;
}

export async function startCitypassNats(): Promise<CitypassNats> {
  const config = deployedConfigMap('components/dev-infra/nats-config.yaml', 'nats-config')['nats.conf'] ?? '';
  assert.match(config, /^\s*authorization \{/m, 'nats-config holds nats.conf with an authorization block');
  // Passwords start with a letter, as deploy/k8s/README.md asks: nats-server reads them like config values.
  const passwords = new Map(natsUsers.map((user) => [user, `${user}${randomBytes(24).toString('hex')}`]));
  // As in the pod: the server resolves $NATS_<USER>_PASSWORD from its environment (the nats-users Secret).
  for (const [user, password] of passwords) process.env[`NATS_${user.toUpperCase()}_PASSWORD`] = password;
  const server = await startNatsServer({ config });
  const password = (user: NatsUser): string => passwords.get(user) ?? '';
  return {
    server,
    password,
    url: (user) => server.url.replace('nats://', `nats://${user}:${password(user)}@`),
    stop: () => server.stop(),
  };
}

export interface Probe {
  readonly nc: NatsConnection;
  /** What the server refused on this connection: `publish <subject>` or `subscription <subject>[ <queue>]`. */
  readonly refusals: string[];
  close(): Promise<void>;
}

/** A plain client logged in as `user` (no reconnects: a refused login fails at once). */
export async function connectAs(nats: CitypassNats, user: NatsUser): Promise<Probe> {
  const nc = await connect({
    servers: nats.server.url,
    user,
    pass: nats.password(user),
    reconnect: false,
    inboxPrefix: `_INBOX.${user}`,
  });
  const refusals: string[] = [];
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === 'error' && status.error instanceof PermissionViolationError) {
        const { operation, subject, queue } = status.error;
        refusals.push([operation, subject, ...(queue === undefined ? [] : [queue])].join(' '));
      }
    }
  })();
  return { nc, refusals, close: () => nc.close() };
}

/** An operation a user tries: publish to a subject, or subscribe to one (optionally in a queue group). */
export type Attempt = readonly ['publish' | 'subscribe', string, string?];

/** How the server reports refusing `attempt` (the form Probe.refusals has). */
export const refusal = ([operation, subject, queue]: Attempt): string =>
  [operation === 'publish' ? 'publish' : 'subscription', subject, ...(queue === undefined ? [] : [queue])].join(' ');

/** Tries each operation as `user`; returns what the server refused, sorted. */
export async function refused(nats: CitypassNats, user: NatsUser, attempts: readonly Attempt[]): Promise<string[]> {
  const probe = await connectAs(nats, user);
  try {
    for (const [operation, subject, queue] of attempts) {
      if (operation === 'publish') probe.nc.publish(subject, 'forged');
      else probe.nc.subscribe(subject, { ...(queue === undefined ? {} : { queue }), callback: () => undefined });
    }
    await probe.nc.flush();
    await new Promise((resolve) => setTimeout(resolve, 200)); // status events are delivered asynchronously
    return [...probe.refusals].sort();
  } finally {
    await probe.close();
  }
}

/** The keys of a bucket, listed as `user` (an ordered consumer on the bucket's stream). */
export async function bucketKeys(nats: CitypassNats, user: NatsUser, bucket: string): Promise<string[]> {
  const probe = await connectAs(nats, user);
  try {
    const keys: string[] = [];
    for await (const key of await (await new Kvm(probe.nc).open(bucket)).keys()) keys.push(key);
    return keys;
  } finally {
    await probe.close();
  }
}

/**
 * Puts 30 values of 100 kB (3 MB) into `bucket` as `writer` while a push consumer reads them as the gate user, then
 * deletes them. The server asks a push consumer to confirm about every 2 MB (flow control): a reader that may not
 * answer on $JS.FC.<stream>.> stalls, and gets the rest only if it can.
 */
export async function burst(
  nats: CitypassNats,
  writer: NatsUser,
  bucket: string,
): Promise<{
  sent: string[];
  received: string[];
  flowControls: number;
  refusals: string[];
}> {
  const writing = await connectAs(nats, writer);
  const reading = await connectAs(nats, 'gate');
  const keys = Array.from({ length: 30 }, (_, index) => `flow-control-${index}`);
  try {
    const kv = await new Kvm(writing.nc).open(bucket);
    const consumer = await jetstream(reading.nc).consumers.getPushConsumer(`KV_${bucket}`, {
      deliver_policy: DeliverPolicy.New,
    });
    const messages = await consumer.consume();
    let flowControls = 0;
    void (async () => {
      for await (const status of messages.status()) if (status.type === 'flow_control') flowControls++;
    })();
    const value = 'x'.repeat(100_000);
    for (const key of keys) await kv.put(key, value);
    const received = new Set<string>();
    const giveUp = setTimeout(() => {
      messages.stop();
    }, 10_000); // a reader that cannot answer stalls
    for await (const message of messages) {
      received.add(message.subject);
      if (received.size === keys.length) break;
    }
    clearTimeout(giveUp);
    messages.stop();
    for (const key of keys) await kv.delete(key);
    return {
      sent: keys.map((key) => `$KV.${bucket}.${key}`).sort(),
      received: [...received].sort(),
      flowControls,
      refusals: [...writing.refusals, ...reading.refusals],
    };
  } finally {
    await writing.close();
    await reading.close();
  }
}
