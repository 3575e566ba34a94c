// What sharing risk outcomes between wallet instances costs (bus/risk_outcomes.ts), in CPU per outcome, next to the
// floor of the same physical work measured in the same run: each outcome's bytes (the event JSON a wallet shares)
// published with core NATS, one message each, and received by a second connection.
//   shared: instance A records outcomes as a wallet does under load (16 per turn of the event loop, like 64
//           authorizations in flight), publishes them (one JetStream message per few milliseconds, acknowledged)
//           and skips its own when they come back; instance B, on its own connection, applies each to its engine.
//           Both in this process: the CPU is the pair's, per outcome.
//   floor:  the same bytes per outcome, nc.publish from one connection, a subscription on another.
// A wallet instance pays the publishing half for its own outcomes and the applying half for every other's.
// Run: node bench/risk_sharing.ts (a nats-server of its own); BENCH_OUTCOMES sets the count.
import { randomUUID } from 'node:crypto';
import { connectBus } from '@citypass/platform/bus';
import { createLogger } from '@citypass/platform/log';
import { startNatsServer } from '@citypass/platform/testing';
import { verifiedPaymentFacts, RiskEngine, defaultRuleSet, feature, type RiskEvent } from '@citypass/risk';
import { startRiskOutcomeSharing } from '../services/wallet/src/bus/risk_outcomes.ts';
import { riskEventJsonText } from '../services/wallet/src/domain/risk_event_json.ts';
import type { ReplaySnapshot, RiskDecisionRecord } from '../services/wallet/src/app/store.ts';
import { emit, isFloor, round2, smoke } from './lib.ts';

const bench = 'risk_sharing';
const outcomes = Number(process.env.BENCH_OUTCOMES ?? (smoke ? 200 : 20_000));
const perTurn = 16;
const residents = 5_000;

const nats = await startNatsServer();
const logger = createLogger('bench', 'error');
const busA = await connectBus({ servers: nats.url, name: 'bench-risk-sharing-a', logger });
const busB = await connectBus({ servers: nats.url, name: 'bench-risk-sharing-b', logger });
const engine = new RiskEngine(defaultRuleSet);
const eventOf = (index: number): RiskEvent => ({
  atMs: Date.now(),
  channel: 'shop',
  residentId: `resident-${String(index % residents)}`,
  deviceId: `device-${String(index % residents)}`,
  credentialId: `credential-${String(index % residents)}`,
  deviceBoundAtMs: 0,
  merchantId: 'shop',
  category: 'shop',
  amountMinor: 250n,
  place: null,
  concession: 'adult',
  ...verifiedPaymentFacts,
});
const decision = engine.decide(eventOf(0));
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const cpuUsSince = (started: NodeJS.CpuUsage): number => {
  const used = process.cpuUsage(started);
  return used.user + used.system;
};

async function until(done: () => boolean): Promise<void> {
  while (!done()) await new Promise((resolve) => setTimeout(resolve, 2));
}

/** Core NATS, one message of the outcome's bytes each, from one connection to a subscription on another. */
async function floorCpuUs(): Promise<number> {
  let received = 0;
  const subject = `bench.risk_sharing.${randomUUID()}`;
  const subscription = busB.nc.subscribe(subject, {
    callback: () => {
      received++;
    },
  });
  await busB.nc.flush();
  const started = process.cpuUsage();
  for (let index = 0; index < outcomes; index++) {
    busA.nc.publish(subject, new TextEncoder().encode(riskEventJsonText(eventOf(index))));
    if (index % perTurn === perTurn - 1) await turn();
  }
  await until(() => received >= outcomes);
  const cpuUs = cpuUsSince(started);
  subscription.unsubscribe();
  return cpuUs / outcomes;
}

/** A start with an empty database: the replay counted nothing. */
const nothingReplayed: ReplaySnapshot = {
  counted: () => Promise.resolve(new Set()),
  newest: () => Promise.resolve([]),
};

/** Instance A records and shares; instance B applies. */
async function sharedCpuUs(): Promise<number> {
  const a = await startRiskOutcomeSharing(busA, 0, logger);
  const b = await startRiskOutcomeSharing(busB, 0, logger);
  const applying = new RiskEngine(defaultRuleSet);
  await a.settle(new RiskEngine(defaultRuleSet), nothingReplayed);
  await b.settle(applying, nothingReplayed);
  // Outcomes arrive in order: once the last one's resident counts all of theirs, every outcome is applied.
  const last = outcomes - 1;
  const probe = { ...eventOf(last), atMs: Date.now() + 60_000 };
  const lastCounted = (): boolean =>
    Math.round(applying.featuresOf(probe)[feature.resident_count_30d] ?? 0) >= Math.floor(last / residents) + 1;
  const started = process.cpuUsage();
  for (let index = 0; index < outcomes; index++) {
    const record: RiskDecisionRecord = {
      decisionId: randomUUID(),
      holdId: undefined,
      service: 'shop',
      decision,
      refusalReason: '',
      currency: 'EUR',
      event: eventOf(index),
      eventJson: riskEventJsonText(eventOf(index)),
    };
    a.recorded(record, true);
    if (index % perTurn === perTurn - 1) await turn();
  }
  await until(lastCounted);
  const cpuUs = cpuUsSince(started);
  await a.stop();
  await b.stop();
  return cpuUs / outcomes;
}

try {
  const floor = await floorCpuUs();
  const shared = await sharedCpuUs();
  emit({
    bench,
    metric: 'bare_publish_receive_cpu_us',
    value: round2(floor),
    unit: 'us/outcome',
    samples: outcomes,
    ...isFloor,
  });
  emit({
    bench,
    metric: 'shared_cpu_us',
    value: round2(shared),
    unit: 'us/outcome',
    samples: outcomes,
    floor: round2(floor),
  });
} finally {
  await busA.close();
  await busB.close();
  await nats.stop();
}
