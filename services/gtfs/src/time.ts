import { zoneOffsetMs } from '@mobility/runtime/util';

/**
 * GTFS times and dates. A GTFS time is measured from "noon minus 12 h" of the service day, so it
 * may exceed 24:00:00 for trips running past midnight; we keep it as plain seconds.
 */

const TIME = /^(\d{1,3}):([0-5]\d):([0-5]\d)$/;
const DATE = /^(\d{4})(\d{2})(\d{2})$/;

/** Seconds since service-day start for "H:MM:SS" / "HH:MM:SS" (hours may exceed 23); undefined if malformed. */
export function parseGtfsTime(text: string): number | undefined {
  const match = TIME.exec(text);
  if (!match) return undefined;
  return Number(match[1]) * 3600 + Number(match[2]) * 60 + Number(match[3]);
}

/** "HH:MM:SS" for seconds since service-day start (hours past 24 kept, as GTFS writes them). */
export function formatGtfsTime(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(Math.floor(s / 3600))}:${pad(Math.floor(s / 60) % 60)}:${pad(s % 60)}`;
}

/** True for a real calendar day written YYYYMMDD. */
export function isGtfsDate(text: string): boolean {
  const match = DATE.exec(text);
  if (!match) return false;
  const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

function toUtcMs(date: string): number {
  return Date.UTC(Number(date.slice(0, 4)), Number(date.slice(4, 6)) - 1, Number(date.slice(6, 8)));
}

function fromUtcMs(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}${String(d.getUTCDate()).padStart(2, '0')}`;
}

/** YYYYMMDD shifted by whole days. */
export function addDays(date: string, days: number): string {
  return fromUtcMs(toUtcMs(date) + days * 86_400_000);
}

/** Days from a to b (b - a). */
export function daysBetween(a: string, b: string): number {
  return Math.round((toUtcMs(b) - toUtcMs(a)) / 86_400_000);
}

/** 0 = Monday ... 6 = Sunday, the column order of calendar.txt. */
export function weekdayIndex(date: string): number {
  return (new Date(toUtcMs(date)).getUTCDay() + 6) % 7;
}

/**
 * Epoch milliseconds of a service day's time origin: local noon minus 12 h. On DST change days this
 * differs from local midnight by an hour, which is exactly why GTFS defines it this way.
 */
export function serviceDayStart(date: string, timeZone: string): number {
  const noonAsUtc = toUtcMs(date) + 12 * 3_600_000;
  let noon = noonAsUtc - zoneOffsetMs(timeZone, noonAsUtc);
  noon = noonAsUtc - zoneOffsetMs(timeZone, noon);
  return noon - 12 * 3_600_000;
}
