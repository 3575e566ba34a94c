// The service day: a metro day ends in the early morning, so a 01:00 tap belongs to the day before. Days are
// numbered like dates (days since 1970-01-01) in the network's local calendar. Pure and deterministic: the local
// time comes from a fixed UTC offset or an IANA zone through Intl, never from the machine's clock or zone.
import { DomainError, invalidArgument } from '@citypass/platform/errors';
import { transitReasons } from '@citypass/contracts';

export type TimeZoneRule =
  | { readonly kind: 'fixed_offset'; readonly utcOffsetMinutes: number }
  | { readonly kind: 'iana'; readonly name: string };

export interface ServiceDayRule {
  readonly timeZone: TimeZoneRule;
  /** Local minutes after midnight at which a service day begins: 270 is 04:30. */
  readonly startMinuteOfDay: number;
}

/** A service day as a day number: 0 is 1970-01-01. */
export type ServiceDay = number;

export const msPerMinute = 60_000;
export const msPerDay = 86_400_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(name: string): Intl.DateTimeFormat {
  let formatter = formatters.get(name);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: name,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
    });
    formatters.set(name, formatter);
  }
  return formatter;
}

/** The local wall-clock reading at an instant, as if that reading were UTC (minute precision for IANA zones). */
export function localWallClockMs(atMs: number, timeZone: TimeZoneRule): number {
  switch (timeZone.kind) {
    case 'fixed_offset':
      return atMs + timeZone.utcOffsetMinutes * msPerMinute;
    case 'iana': {
      const parts = formatterFor(timeZone.name).formatToParts(atMs);
      const field = (type: Intl.DateTimeFormatPartTypes): number =>
        Number(parts.find((part) => part.type === type)?.value);
      return Date.UTC(field('year'), field('month') - 1, field('day'), field('hour'), field('minute'));
    }
  }
}

export function serviceDayOf(atMs: number, rule: ServiceDayRule): ServiceDay {
  const shifted = localWallClockMs(atMs, rule.timeZone) - rule.startMinuteOfDay * msPerMinute;
  return Math.floor(shifted / msPerDay);
}

/** The Monday of the calendar week (Monday-Sunday) that holds `day`. 1970-01-01 was a Thursday. */
export function mondayOf(day: ServiceDay): ServiceDay {
  return day - ((((day + 3) % 7) + 7) % 7);
}

export function serviceDateText(day: ServiceDay): string {
  return new Date(day * msPerDay).toISOString().slice(0, 10);
}

export function parseServiceDate(text: string, field: string): ServiceDay {
  const date = /^(19[7-9]\d|2\d{3})-\d{2}-\d{2}$/.test(text) ? new Date(`${text}T00:00:00Z`) : undefined;
  if (date === undefined || Number.isNaN(date.getTime()) || !date.toISOString().startsWith(text)) {
    throw invalidArgument(
      transitReasons.SERVICE_DATE_INVALID,
      `${field} must be a real date from 1970 to 2999 written YYYY-MM-DD`,
    );
  }
  return date.getTime() / msPerDay;
}

export function checkServiceDayRule(rule: ServiceDayRule): void {
  const start = rule.startMinuteOfDay;
  if (!Number.isInteger(start) || start < 0 || start >= 24 * 60) {
    throw invalidArgument(
      transitReasons.SERVICE_DAY_START_INVALID,
      'the service day starts at a whole minute from 00:00 to 23:59',
    );
  }
  const timeZone = rule.timeZone;
  switch (timeZone.kind) {
    case 'fixed_offset':
      if (!Number.isInteger(timeZone.utcOffsetMinutes) || Math.abs(timeZone.utcOffsetMinutes) > 14 * 60) {
        throw invalidArgument(
          transitReasons.TIME_ZONE_INVALID,
          'a fixed UTC offset is a whole number of minutes within 14 hours',
        );
      }
      return;
    case 'iana':
      if (!/^[A-Za-z0-9_+/-]{1,64}$/.test(timeZone.name))
        throw invalidArgument(transitReasons.TIME_ZONE_INVALID, 'an IANA zone name like Europe/Paris');
      try {
        formatterFor(timeZone.name);
      } catch (error) {
        throw new DomainError(
          'invalid_argument',
          transitReasons.TIME_ZONE_INVALID,
          `unknown IANA time zone ${timeZone.name}`,
          { cause: error },
        );
      }
  }
}
