/**
 * The MobilityData GTFS-realtime validator's rule catalogue (codes and severities as MobilityData
 * numbers them), with titles in our own words. `scope` says what a rule needs beyond the feed and
 * its static GTFS: the previous feed of the same URL, the current time, or the companion feed
 * (VehiclePositions beside TripUpdates).
 */
export type Severity = 'error' | 'warning';
export type RuleScope = 'feed' | 'previous' | 'now' | 'companion' | 'static';

export interface RuleInfo {
  code: string;
  severity: Severity;
  title: string;
  scope: RuleScope;
}

const rule = (code: string, title: string, scope: RuleScope = 'feed'): RuleInfo => ({
  code,
  severity: code.startsWith('E') ? 'error' : 'warning',
  title,
  scope,
});

export const RULES: readonly RuleInfo[] = [
  rule('E001', 'a timestamp or time is not POSIX seconds'),
  rule('E002', 'stop_time_updates are not in increasing stop_sequence order'),
  rule('E003', 'trip_id is not in the GTFS and the trip is not ADDED'),
  rule('E004', 'route_id is not in the GTFS'),
  rule('E006', 'frequency-based (exact_times=0) trip lacks trip_id, start_time or start_date'),
  rule('E007', 'trip updates sharing a vehicle_id belong to different blocks'),
  rule('E008', 'trip without trip_id in a block that visits a stop in more than one trip'),
  rule('E009', 'stop_sequence missing for a trip that visits the stop more than once'),
  rule('E010', 'a stop used in stop_times.txt is not location_type 0', 'static'),
  rule('E011', 'stop_id is not in the GTFS'),
  rule('E012', 'an entity timestamp is later than the header timestamp'),
  rule(
    'E013',
    'frequency-based (exact_times=0) trip is neither UNSCHEDULED nor without schedule_relationship',
  ),
  rule('E014', "trip updates of a block are not in the block's order"),
  rule('E015', 'stop_id of a trip update or vehicle position is not a stop (location_type 0)'),
  rule('E016', 'an ADDED trip_id is in the GTFS'),
  rule('E017', 'content changed but the header timestamp did not', 'previous'),
  rule('E018', 'header timestamp decreased from the previous feed', 'previous'),
  rule('E019', 'exact_times=1 start_time is not a whole number of headways after the period start'),
  rule('E020', 'start_time is not H:MM:SS or HH:MM:SS'),
  rule('E021', 'start_date is not a YYYYMMDD date'),
  rule('E022', 'times of consecutive stop_time_updates do not increase'),
  rule('E023', "start_time differs from the trip's first GTFS arrival_time"),
  rule('E024', 'direction_id differs from trips.txt'),
  rule('E025', 'departure time before arrival time in one stop_time_update'),
  rule('E026', 'vehicle position is not valid WGS84 coordinates'),
  rule('E027', 'vehicle bearing outside 0..360 degrees'),
  rule('E028', "vehicle position outside the agency's coverage area"),
  rule('E029', "vehicle position far from its trip's shape (without a DETOUR alert)"),
  rule('E030', "alert's trip_id does not belong to its route_id in trips.txt"),
  rule('E031', "alert informed_entity route_id differs from its trip's route_id"),
  rule('E032', 'alert has no informed_entity'),
  rule('E033', 'alert informed_entity specifies nothing'),
  rule('E034', 'alert agency_id is not in agency.txt'),
  rule('E035', 'trip_id does not belong to route_id in trips.txt'),
  rule('E036', 'consecutive stop_time_updates have the same stop_sequence'),
  rule('E037', 'consecutive stop_time_updates have the same stop_id'),
  rule('E038', 'header gtfs_realtime_version is not a known version'),
  rule('E039', 'FULL_DATASET feed uses entity.is_deleted'),
  rule('E040', 'stop_time_update has neither stop_id nor stop_sequence'),
  rule('E041', 'trip update without stop_time_updates and not CANCELED'),
  rule('E042', 'NO_DATA stop_time_update has an arrival or departure'),
  rule('E043', 'stop_time_update without arrival or departure (and not SKIPPED or NO_DATA)'),
  rule('E044', 'arrival/departure has neither time nor delay'),
  rule('E045', 'stop_sequence and stop_id do not match stop_times.txt'),
  rule('E046', 'delay without time where stop_times.txt has no time for the stop'),
  rule('E047', 'VehiclePositions and TripUpdates pair vehicle and trip differently', 'companion'),
  rule('E048', 'header timestamp missing (version 2.0 and later)'),
  rule('E049', 'header incrementality missing (version 2.0 and later)'),
  rule('E050', 'a timestamp is in the future', 'now'),
  rule('E051', "stop_sequence is not in the trip's stop_times.txt"),
  rule('E052', 'the same vehicle.id on more than one vehicle position'),
  rule('W001', 'timestamp not set on the header, a trip update or a vehicle position'),
  rule('W002', 'vehicle_id not set on a trip update or vehicle position'),
  rule('W003', 'a trip or vehicle of one feed is missing from the other', 'companion'),
  rule('W004', 'vehicle speed unrealistic (negative or above 26 m/s)'),
  rule('W005', 'frequency-based (exact_times=0) trip without vehicle_id'),
  rule('W006', 'trip descriptor without trip_id'),
  rule('W007', 'more than 35 s between this and the previous header timestamp', 'previous'),
  rule('W008', 'header timestamp more than 65 s old', 'now'),
  rule('W009', 'schedule_relationship not set on a trip descriptor or stop_time_update'),
];

export const RULE_BY_CODE: ReadonlyMap<string, RuleInfo> = new Map(RULES.map((entry) => [entry.code, entry]));
