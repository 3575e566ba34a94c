// GetCapProgress: how close a resident is to today's and this week's cap.
import type { GetCapProgressResponse } from '@citypass/proto/transit/v1/transit';
import { capProgress } from '../domain/cap_progress.ts';
import { serviceDayOf } from '../domain/service_day.ts';
import { statementOf, type Resident, type RiderDeps } from './rider_view.ts';

export async function getCapProgress(deps: RiderDeps, resident: Resident): Promise<GetCapProgressResponse> {
  const schedule = deps.fares.schedule;
  const nowMs = deps.now();
  const today = serviceDayOf(nowMs, schedule.serviceDay);
  const progress = capProgress(await statementOf(deps, resident, today - 6, today, nowMs), schedule);
  return {
    serviceDate: progress.serviceDate,
    currency: progress.currency,
    concession: progress.concession,
    daily: progress.daily,
    weekly: progress.weekly,
    weeklyPeriod: progress.weekly.period,
    weeklyFirstServiceDate: progress.weekly.firstServiceDate,
    weeklyLastServiceDate: progress.weekly.lastServiceDate,
  };
}
