// Reloads gate assignments every 30 s, so another instance's AssignGates reaches this one within that.
import type { Logger } from '@citypass/platform/log';
import { runPeriodically, type PeriodicJob } from '@citypass/platform/periodic';
import type { GateAssignments } from '../app/gate_assignments.ts';

export function startGateAssignmentsReload(
  assignments: GateAssignments,
  logger: Logger,
  intervalMs = 30_000,
): PeriodicJob {
  return runPeriodically({ name: 'gate assignments reload', intervalMs, logger }, () => assignments.reload());
}
