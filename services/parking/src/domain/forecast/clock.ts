import { zoneOffsetMs } from '@mobility/runtime/util';
/**
 * Local calendar position of an instant. Seasonality is a matter of wall-clock time (people park at
 * 9 am local time, whatever the UTC offset), so every forecaster reads time through one of these.
 */
export interface LocalTime {
  /** Whole local days since 1970-01-01; consecutive days differ by one across DST changes. */
  day: number;
  /** 0 = Sunday ... 6 = Saturday */
  weekday: number;
  /** Minutes since local midnight, fractional. */
  minuteOfDay: number;
}

export type LocalClock = (at: number) => LocalTime;

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

function fromShiftedEpoch(shifted: number): LocalTime {
  const day = Math.floor(shifted / DAY_MS);
  // 1970-01-01 was a Thursday (4).
  const weekday = (((day + 4) % 7) + 7) % 7;
  return { day, weekday, minuteOfDay: (shifted - day * DAY_MS) / MINUTE_MS };
}

/** A fixed offset from UTC. Offset 0 also serves data whose timestamps are already local wall time. */
export function fixedOffsetClock(offsetMinutes = 0): LocalClock {
  const offsetMs = offsetMinutes * MINUTE_MS;
  return (at) => fromShiftedEpoch(at + offsetMs);
}

/**
 * An IANA time zone (e.g. 'Europe/London'). Offsets are looked up once per quarter hour of time and
 * cached, since Intl formatting is far slower than the forecasters' arithmetic.
 */
export function timeZoneClock(timeZone: string): LocalClock {
  const offsets = new Map<number, number>();
  const QUARTER_MS = 15 * MINUTE_MS;
  const offsetAt = (at: number): number => {
    const bucket = Math.floor(at / QUARTER_MS);
    const cached = offsets.get(bucket);
    if (cached !== undefined) return cached;
    const offset = zoneOffsetMs(timeZone, bucket * QUARTER_MS);
    if (offsets.size > 50_000) offsets.clear();
    offsets.set(bucket, offset);
    return offset;
  };
  return (at) => fromShiftedEpoch(at + offsetAt(at));
}
