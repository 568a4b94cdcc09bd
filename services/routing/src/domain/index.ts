/**
 * Routing domain: the timetable built from a GTFS feed, RAPTOR journey planning and the realtime
 * overlay. Pure logic, no I/O. This file is the contract the service layer codes against:
 *
 *   const timetable = buildTimetable(feed);             // timetable.stats, timetable.summary
 *   const overlay = new RealtimeOverlay(timetable);     // overlay.apply(prediction) per event
 *   const itineraries = planJourneys(timetable, request, overlay); // throws PlanningError
 */
export { planJourneys } from './plan.js';
export { RealtimeOverlay } from './realtime.js';
export { buildTimetable, Timetable } from './timetable.js';
export {
  type DriveLeg,
  type FeedSummary,
  type Itinerary,
  type JourneyRequest,
  type Leg,
  type LegPlace,
  type ParkAndRideFacility,
  type ParkAndRideOptions,
  type Place,
  PlanningError,
  type PlanningErrorCode,
  type StopInfo,
  type StopTimePrediction,
  type TimetableOptions,
  type TimetableStats,
  type TransitLeg,
  type TripPrediction,
  type WalkLeg,
} from './types.js';
