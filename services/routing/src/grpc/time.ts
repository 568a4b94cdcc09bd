import { serviceDayStart } from '@mobility/gtfs';

/** The calendar day (YYYYMMDD) an instant falls on in an IANA time zone. */
export function localDate(atMs: number, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).formatToParts(new Date(atMs));
  const get = (type: string) => parts.find((part) => part.type === type)?.value ?? '';
  return `${get('year')}${get('month')}${get('day')}`;
}

/** A service day and where its time origin lies, so timetable seconds become instants and back. */
export interface ServiceDay {
  readonly date: string;
  /** Epoch ms of the day's GTFS time origin (noon minus 12 h, local). */
  readonly startMs: number;
}

export function serviceDay(date: string, timeZone: string): ServiceDay {
  return { date, startMs: serviceDayStart(date, timeZone) };
}

/** Seconds from the day's origin to an instant, fractional: callers round in the safe direction. */
export function secondsInto(day: ServiceDay, atMs: number): number {
  return (atMs - day.startMs) / 1000;
}

export function instantOf(day: ServiceDay, seconds: number): Date {
  return new Date(day.startMs + seconds * 1000);
}
