/**
 * The AVL service's pure domain: the static network built from GTFS, the tracker (trip matching,
 * online learning, predictions) and headway monitoring. No I/O; the service's edges feed it.
 */
export { createHeadwayMonitor, type HeadwayMonitor, type HeadwayOptions } from './headway.js';
export { HORIZON_BINS_MIN, type LearningSnapshot, TravelTimeModel } from './learning.js';
export {
  buildTransitNetwork,
  instanceKey,
  instanceMs,
  type NetworkTrip,
  type ScheduledStop,
  scheduledSecondsAt,
  type TransitNetwork,
  type TripInstance,
} from './network.js';
export {
  bearingAt,
  buildPolyline,
  type Polyline,
  type Projection,
  placeStopsAlong,
  pointAt,
  project,
} from './polyline.js';
export { DEPARTURE_MARGIN_M, MAX_INTERPOLATION_MS, TripProgress } from './progress.js';
export { createTracker, type Tracker, type TrackerOptions } from './tracker.js';
export type * from './types.js';
