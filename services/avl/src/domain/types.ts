/**
 * The AVL domain's public shapes: what the tracker takes in (validated pings) and what it gives back
 * (matched positions, stop-level predictions, headway alerts). Pure data, no I/O.
 */

/** A validated vehicle position. Carries no personal data (no driver or operator ids). */
export interface VehiclePing {
  vehicleId: string;
  timestampMs: number;
  lat: number;
  lon: number;
  /** Degrees clockwise from north, 0..360. */
  bearingDeg?: number;
  speedMps?: number;
  /** Trip the vehicle reports; when absent (or unknown to the static feed) the tracker infers one. */
  tripId?: string;
  routeId?: string;
  /** Service day of the reported trip, YYYYMMDD. */
  startDate?: string;
  /** Reported start time "HH:MM:SS" (frequency-based trips). */
  startTime?: string;
}

/** GTFS-rt VehicleStopStatus. */
export type VehicleStopStatus = 'INCOMING_AT' | 'STOPPED_AT' | 'IN_TRANSIT_TO';

/** A ping placed on a trip. */
export interface MatchedPosition {
  vehicleId: string;
  timestampMs: number;
  lat: number;
  lon: number;
  bearingDeg?: number;
  speedMps?: number;
  tripId: string;
  routeId: string;
  directionId?: 0 | 1;
  /** Service day of the trip, YYYYMMDD. */
  startDate: string;
  /** Start time of the trip instance "HH:MM:SS" (set for frequency-based trips). */
  startTime?: string;
  /** Metres along the trip's shape. */
  shapeDistM: number;
  /** Metres from the ping to the shape (GPS error plus detours). */
  offShapeM: number;
  /** The stop the status refers to (the next stop, or the one the vehicle is at). */
  stopSequence: number;
  stopId: string;
  status: VehicleStopStatus;
  /** Seconds behind schedule at this point of the trip: positive late, negative early. */
  scheduleDeviationS: number;
  /** 'given' when the ping named the trip, 'inferred' when the tracker chose it. */
  assignment: 'given' | 'inferred';
  /** 0..1, how sure the tracker is of the trip (1 for given trips). */
  confidence: number;
}

/** One stop's predicted times. Epoch milliseconds. */
export interface StopPrediction {
  stopSequence: number;
  stopId: string;
  /** Absent for a trip's first stop (only its departure is meaningful). */
  arrivalMs?: number;
  /** Absent for a trip's last stop. */
  departureMs?: number;
  /**
   * Half-width, in seconds, of an interval around the predicted time that held about 80% of past
   * outcomes at the same horizon (learned online from the tracker's own residuals; a prior before
   * enough have been seen). Not symmetric in reality, so treat it as a scale, not a bound.
   */
  uncertaintyS: number;
  scheduledArrivalMs?: number;
  scheduledDepartureMs?: number;
}

/** Predictions for the rest of one trip (the current one, or the vehicle's next one). */
export interface TripPredictionResult {
  tripId: string;
  routeId: string;
  directionId?: 0 | 1;
  startDate: string;
  startTime?: string;
  vehicleId: string;
  generatedAtMs: number;
  /** True when this is the vehicle's next trip (it is finishing or laying over before it). */
  isNextTrip: boolean;
  /** The naive "schedule + current delay" estimate for the same stops, for comparison. */
  currentDelayS: number;
  stops: StopPrediction[];
}

export interface TrackerUpdate {
  /** Null when the ping fits no trip (deadheading, off route, unknown trip). */
  matched: MatchedPosition | null;
  /** Current trip, then the vehicle's next trip while it finishes or lays over. */
  predictions: TripPredictionResult[];
}

/** Latest state of a vehicle, for feeds and queries. */
export interface VehicleSnapshot {
  vehicleId: string;
  lastPing: VehiclePing;
  matched: MatchedPosition | null;
  predictions: TripPredictionResult[];
}

export type HeadwayCondition = 'BUNCHING' | 'GAP';

/** A headway alert being raised or cleared. */
export interface HeadwayAlertResult {
  routeId: string;
  directionId?: 0 | 1;
  /** The stop where the headway was measured (the follower's last passed stop). */
  stopId?: string;
  condition: HeadwayCondition;
  state: 'RAISED' | 'CLEARED';
  /** The follower: the vehicle whose headway to the leader is measured. */
  vehicleId: string;
  leaderVehicleId?: string;
  observedHeadwayS: number;
  scheduledHeadwayS: number;
  atMs: number;
  /** Plain-language reason for operators. */
  explanation: string;
}
