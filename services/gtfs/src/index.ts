/**
 * @mobility/gtfs: reads GTFS static feeds into typed rows and resolves service calendars.
 *
 *   const feed = await readGtfsFile('feed.zip');   // feed.issues lists bad rows by file and line
 *   const calendar = new ServiceCalendar(feed.calendars, feed.calendarDates);
 *   calendar.servicesOn('20260216');               // Set of service_ids
 */
export { ServiceCalendar } from './calendar.js';
export { GtfsReadError, type ReadOptions, readGtfsFile, readGtfsTexts, readGtfsZip } from './read.js';
export { buildTripSchedules, type TripSchedule } from './schedules.js';
export {
  addDays,
  daysBetween,
  formatGtfsTime,
  isGtfsDate,
  parseGtfsTime,
  serviceDayStart,
  weekdayIndex,
} from './time.js';
export type * from './types.js';
