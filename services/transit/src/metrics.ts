// What an operator graphs for transit: gate decisions by outcome and reason (online and uploaded), settlement
// steps by outcome, money charged and refunded, the deny list's size and the settlement backlog. Tap latency comes
// from the gRPC edge (rpc.server.duration), relay lag from platform.
import { metrics } from '@opentelemetry/api';

const meter = metrics.getMeter('citypass.transit');

export const transitMetrics = {
  taps: meter.createCounter('citypass.transit.taps', {
    description: 'Gate decisions by decision, reason and source (online, offline)',
  }),
  settlementSteps: meter.createCounter('citypass.transit.settlement_steps', {
    description: 'Wallet steps of fare settlement by kind and outcome',
  }),
  chargedMinor: meter.createCounter('citypass.transit.charged_minor', {
    description: 'Fares charged through the wallet, minor units by currency',
  }),
  refundedMinor: meter.createCounter('citypass.transit.refunded_minor', {
    description: 'Fare corrections refunded through the wallet, minor units by currency',
  }),
  denyListSize: meter.createObservableGauge('citypass.transit.deny_list_size', {
    description: 'Residents denied at the gates for an unpaid fare',
  }),
  settlementBackoffs: meter.createCounter('citypass.transit.settlement_backoffs', {
    description: 'Pauses of settlement because the wallet answered overloaded (WALLET_OVERLOADED, DEADLINE_EXCEEDED)',
  }),
  settlementBacklog: meter.createObservableGauge('citypass.transit.settlement_backlog', {
    description: 'Riders with taps or steps settlement has not finished',
  }),
};
