/**
 * @mobility/gtfs-rt: GTFS-realtime encoding with MobilityData's official bindings, and a
 * feed-quality checker implementing MobilityData's GTFS-realtime validator rules.
 *
 *   const bytes = encodeFeed({ header: createFeedHeader(nowS, previousHeader), entity });
 *   const feed = decodeFeed(bytes);                  // throws GtfsRtFormatError on bad bytes
 *   const json = feedToJson(feed);                   // ?format=json
 *   const report = validateFeed({ feed, gtfs, previous, nowS }); // report.errors: { E0xx: count }
 */
export {
  type Alert,
  AlertCause,
  AlertEffect,
  createFeedHeader,
  decodeFeed,
  type EntitySelector,
  encodeFeed,
  type FeedEntity,
  type FeedHeader,
  type FeedMessage,
  feedFromJson,
  feedToJson,
  GTFS_REALTIME_VERSION,
  GtfsRtFormatError,
  hasField,
  Incrementality,
  type Position,
  StopScheduleRelationship,
  type StopTimeEvent,
  type StopTimeUpdate,
  type TimeRange,
  type TranslatedString,
  type TripDescriptor,
  TripScheduleRelationship,
  type TripUpdate,
  toNumber,
  transit_realtime,
  type VehicleDescriptor,
  type VehiclePosition,
  VehicleStopStatus,
} from './codec.js';
export type { Notice, ValidationReport } from './domain/report.js';
export { RULES, type RuleInfo, type RuleScope, type Severity } from './domain/rules.js';
export { indexGtfs, type StaticIndex } from './domain/static-index.js';
export {
  COVERAGE_BUFFER_M,
  FUTURE_TOLERANCE_S,
  MAX_FEED_AGE_S,
  MAX_REALISTIC_SPEED_MPS,
  MAX_REFRESH_INTERVAL_S,
  POSIX_MAX_S,
  POSIX_MIN_S,
  TRIP_SHAPE_BUFFER_M,
  type ValidateInput,
  validateFeed,
} from './domain/validate.js';
