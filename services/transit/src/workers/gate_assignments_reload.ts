// Reloads gate assignments every 30 s, so another instance's AssignGates reaches this one within that.
import type { Logger } from '@citypass/platform/log';
import type { GateAssignments } from '../app/gate_assignments.ts';
import { every } from './every.ts';

export function startGateAssignmentsReload(assignments: GateAssignments, logger: Logger, intervalMs = 30_000): { stop(): void } {
  return every(intervalMs, () => assignments.reload(), (error) => { logger.warn('gate assignments reload failed', { error }); });
}
