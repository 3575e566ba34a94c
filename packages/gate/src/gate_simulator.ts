// Runs one metro gate from the command line. Reads `in <presentation>` / `out <presentation>` lines on stdin and
// prints one JSON line per decision ({"tap_id","decision","reason","ms"}) and one per event (link down/up, upload,
// watch, config). `--offline` starts with the network "cut" (decide and journal only); SIGUSR1 toggles it.
//
//   node packages/gate/src/gate_simulator.ts --gate-id G1 --client-id gate-g1 --journal-dir /var/lib/gate-g1 \
//     [--transit 127.0.0.1:7300] [--token-url http://127.0.0.1:7100/token] [--issuer URL] [--nats URL] [--offline]
// Every flag has an environment variable (GATE_ID, GATE_CLIENT_ID, GATE_CLIENT_SECRET, GATE_JOURNAL_DIR,
// TRANSIT_GRPC_ADDRESS, IDENTITY_TOKEN_URL, IDENTITY_ISSUER, NATS_URL); pass the secret by environment.
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { Backoff, Wakeup } from '@citypass/platform/backoff';
import { connectBus, type Bus } from '@citypass/platform/bus';
import { isDomainError } from '@citypass/platform/errors';
import { ClientCredentials } from '@citypass/platform/client_credentials';
import { grpcGateLink } from './gate_link.ts';
import { GateRuntime, type GateEvent } from './gate_runtime.ts';

type SimulatorConfig = Readonly<{
  gateId: string;
  clientId: string;
  clientSecret: string;
  journalDir: string;
  transitAddress: string;
  tokenUrl: string;
  issuer: string;
  natsUrl: string;
  offline: boolean;
}>;

function readConfig(): SimulatorConfig {
  const text = { type: 'string' } as const;
  const { values } = parseArgs({
    options: {
      'gate-id': text,
      'client-id': text,
      'client-secret': text,
      'journal-dir': text,
      transit: text,
      'token-url': text,
      issuer: text,
      nats: text,
      offline: { type: 'boolean' },
    },
  });
  const pick = (flag: Exclude<keyof typeof values, 'offline'>, env: string, fallback = ''): string =>
    values[flag] ?? process.env[env] ?? fallback;
  const tokenUrl = pick('token-url', 'IDENTITY_TOKEN_URL', 'http://127.0.0.1:7100/token');
  const config = {
    gateId: pick('gate-id', 'GATE_ID'),
    clientId: pick('client-id', 'GATE_CLIENT_ID'),
    clientSecret: pick('client-secret', 'GATE_CLIENT_SECRET'),
    journalDir: pick('journal-dir', 'GATE_JOURNAL_DIR'),
    transitAddress: pick('transit', 'TRANSIT_GRPC_ADDRESS', '127.0.0.1:7300'),
    tokenUrl,
    issuer: pick('issuer', 'IDENTITY_ISSUER', tokenUrl.replace(/\/token$/, '')),
    natsUrl: pick('nats', 'NATS_URL'),
    offline: values.offline === true,
  };
  const missing = Object.entries({
    gateId: '--gate-id / GATE_ID',
    clientId: '--client-id / GATE_CLIENT_ID',
    clientSecret: '--client-secret / GATE_CLIENT_SECRET',
    journalDir: '--journal-dir / GATE_JOURNAL_DIR',
  })
    .filter(([key]) => config[key as keyof typeof config] === '')
    .map(([, name]) => name);
  if (missing.length > 0) {
    process.stderr.write(`gate simulator: missing ${missing.join(', ')}\n`);
    process.exit(2);
  }
  return Object.freeze(config);
}

const print = (line: Record<string, unknown>): void => {
  process.stdout.write(`${JSON.stringify(line)}\n`);
};
const reasonOf = (error: unknown): string =>
  isDomainError(error) ? error.reason : error instanceof Error ? error.message : String(error);

function printEvent(event: GateEvent): void {
  switch (event.type) {
    case 'upload_too_large':
      print({
        event: event.type,
        reason: reasonOf(event.error),
        sent_taps: event.sentTaps,
        request_bytes: event.requestBytes,
        next_batch_taps: event.nextBatchTaps,
      });
      return;
    case 'dead_lettered':
      print({
        event: event.type,
        reason: reasonOf(event.error),
        tap_id: event.tapId,
        attempts: event.attempts,
        dead_lettered: event.deadLettered,
      });
      return;
    case 'link_up':
    case 'config':
    case 'watch_up':
      print({
        event: event.type,
        ...('source' in event ? { source: event.source } : {}),
        ...('bucket' in event ? { bucket: event.bucket } : {}),
      });
      return;
    case 'link_down':
    case 'watch_down':
      print({
        event: event.type,
        reason: reasonOf(event.error),
        ...('bucket' in event ? { bucket: event.bucket } : {}),
      });
      return;
    case 'uploaded':
      print({ event: 'uploaded', accepted: event.accepted, rejected: event.rejected.length, pending: event.pending });
      return;
    case 'warning':
      print({
        event: 'warning',
        message: event.message,
        ...(event.error === undefined ? {} : { reason: reasonOf(event.error) }),
      });
      return;
  }
}

/** Connects to NATS in the background, retrying, and hands the connection to the gate. */
async function connectNats(
  config: SimulatorConfig,
  gate: GateRuntime,
  stopping: Wakeup,
  stopped: () => boolean,
): Promise<Bus | undefined> {
  const backoff = new Backoff({ initialMs: 500, maxMs: 10_000 });
  while (!stopped()) {
    try {
      const bus = await connectBus({ servers: config.natsUrl, name: `gate-${config.gateId}` });
      gate.attachNats(bus.nc);
      return bus;
    } catch (error) {
      print({ event: 'nats_unavailable', reason: reasonOf(error) });
      await stopping.wait(backoff.next());
    }
  }
  return undefined;
}

async function main(): Promise<void> {
  const config = readConfig();
  const credentials = new ClientCredentials({
    tokenUrl: config.tokenUrl,
    clientId: config.clientId,
    clientSecret: config.clientSecret,
    resource: 'urn:citypass:transit',
    scope: `gate:${config.clientId}`,
  });
  const link = grpcGateLink(config.transitAddress, () => credentials.token());
  const gate = new GateRuntime({
    gateId: config.gateId,
    issuer: config.issuer,
    link,
    journalDir: config.journalDir,
    online: !config.offline,
    onEvent: printEvent,
  });
  const started = await gate.start();
  print({
    event: 'started',
    gate_id: config.gateId,
    station_id: started.stationId,
    source: started.source,
    pending: started.pendingTaps,
    online: gate.online,
  });
  let stopped = false;
  const stopping = new Wakeup();
  const bus = config.natsUrl === '' ? undefined : connectNats(config, gate, stopping, () => stopped);
  const shutdown = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    stopping.wake();
    if (gate.online)
      await Promise.race([
        gate.flush().catch(() => undefined),
        new Promise((resolve) => setTimeout(resolve, 5_000).unref()),
      ]);
    const pending = gate.pendingCount;
    await gate.stop();
    await (await bus)?.close();
    link.close();
    print({ event: 'stopped', pending });
  };
  process.on('SIGUSR1', () => {
    gate.setOnline(!gate.online);
    print({ event: gate.online ? 'online' : 'offline' });
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => {
      void shutdown().finally(() => process.exit(0));
    });
  for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
    const match = /^(in|out)\s+(\S+)\s*$/.exec(line.trim());
    if (line.trim() === '') continue;
    if (match === null) {
      print({ error: 'expected `in <presentation>` or `out <presentation>`' });
      continue;
    }
    const startedAt = performance.now();
    const result = await gate.tap(match[2] ?? '', match[1] === 'in' ? 'in' : 'out');
    print({
      tap_id: result.tapId,
      decision: result.decision,
      reason: result.reason,
      ms: Math.round((performance.now() - startedAt) * 100) / 100,
    });
  }
  await shutdown();
}

main().catch((error: unknown) => {
  process.stderr.write(`gate simulator: ${reasonOf(error)}${isDomainError(error) ? `: ${error.message}` : ''}\n`);
  process.exit(1);
});
