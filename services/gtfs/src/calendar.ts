import { addDays, daysBetween, weekdayIndex } from './time.js';
import type { Calendar, CalendarDate } from './types.js';

/**
 * Which service_ids run on a day: calendar.txt weekly patterns within their date range, corrected
 * by calendar_dates.txt exceptions (feeds that only have calendar_dates.txt work the same way).
 */
export class ServiceCalendar {
  private readonly added = new Map<string, Set<string>>();
  private readonly removed = new Map<string, Set<string>>();
  /** First and last day with any service definition, YYYYMMDD; undefined for an empty calendar. */
  readonly start: string | undefined;
  readonly end: string | undefined;

  constructor(
    private readonly calendars: readonly Calendar[],
    calendarDates: readonly CalendarDate[],
  ) {
    let start: string | undefined;
    let end: string | undefined;
    const widen = (from: string, to: string) => {
      if (start === undefined || from < start) start = from;
      if (end === undefined || to > end) end = to;
    };
    for (const calendar of calendars)
      if (calendar.days.some(Boolean)) widen(calendar.startDate, calendar.endDate);
    for (const exception of calendarDates) {
      const target = exception.exceptionType === 1 ? this.added : this.removed;
      let set = target.get(exception.date);
      if (!set) {
        set = new Set();
        target.set(exception.date, set);
      }
      set.add(exception.serviceId);
      if (exception.exceptionType === 1) widen(exception.date, exception.date);
    }
    this.start = start;
    this.end = end;
  }

  /** service_ids active on the day (YYYYMMDD). */
  servicesOn(date: string): Set<string> {
    const active = new Set<string>();
    const weekday = weekdayIndex(date);
    for (const calendar of this.calendars) {
      if (calendar.days[weekday] && calendar.startDate <= date && date <= calendar.endDate)
        active.add(calendar.serviceId);
    }
    for (const id of this.added.get(date) ?? []) active.add(id);
    for (const id of this.removed.get(date) ?? []) active.delete(id);
    return active;
  }

  /** True when the day lies within the calendar's range. */
  covers(date: string): boolean {
    return this.start !== undefined && this.end !== undefined && this.start <= date && date <= this.end;
  }

  /** Every day of the range, in order. */
  *days(): Generator<string> {
    if (this.start === undefined || this.end === undefined) return;
    const count = daysBetween(this.start, this.end);
    for (let i = 0; i <= count; i++) yield addDays(this.start, i);
  }

  /**
   * The day with the most weight (e.g. trips per service_id) in the range; the earliest of equals.
   * Without weights every service_id counts one.
   */
  busiestDate(weightByService?: ReadonlyMap<string, number>): string | undefined {
    let best: string | undefined;
    let bestWeight = -1;
    for (const day of this.days()) {
      let weight = 0;
      for (const id of this.servicesOn(day)) weight += weightByService ? (weightByService.get(id) ?? 0) : 1;
      if (weight > bestWeight) {
        best = day;
        bestWeight = weight;
      }
    }
    return best;
  }
}
