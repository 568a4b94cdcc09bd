import {
  AlertState,
  HeadwayAlert,
  HeadwayCondition,
  MatchStatus,
  TripPrediction,
  VehiclePositionMatched,
} from '@mobility/contracts/avl/v1/events';
import { VehicleStopStatus } from '@mobility/contracts/avl/v1/transit';
import { OccupancyChanged } from '@mobility/contracts/parking/v1/events';
import { DetectorCount, PhaseChanged } from '@mobility/contracts/signal/v1/events';
import { SignalColor } from '@mobility/contracts/signal/v1/intersection';
import { durationFromMs } from '@mobility/contracts/wkt';
import type { OutgoingMessage, TopicMessages } from '@mobility/runtime';

/**
 * A small history with known KPI answers (worked out in archive.test.ts), around 2026-11-23 08:00 UTC.
 * Entity ids carry a suffix so runs against shared real topics count only their own events.
 */
export const T0 = Date.UTC(2026, 10, 23, 8, 0, 0);
const at = (minutes: number) => new Date(T0 + minutes * 60_000);

export function kpiHistory(suffix: string): TopicMessages[] {
  const facility = `f1-${suffix}`;
  const route = `r1-${suffix}`;
  const trip = `t1-${suffix}`;
  const intersection = `i1-${suffix}`;
  const occupancy = (minutes: number, occupied: number): OutgoingMessage => ({
    key: facility,
    timestamp: at(minutes).getTime(),
    value: OccupancyChanged.encode(
      OccupancyChanged.fromPartial({
        meta: { eventId: `occ-${suffix}-${minutes}`, occurredAt: at(minutes), producer: 'parking' },
        facilityId: facility,
        occupancy: { observedAt: at(minutes), capacity: 100, occupied, free: 100 - occupied },
      }),
    ).finish(),
  });
  const position = (
    minutes: number,
    sequence: number,
    status: VehicleStopStatus,
    deviation: number,
    bus = `bus-${suffix}`,
    tripId = trip,
  ): OutgoingMessage => ({
    key: bus,
    timestamp: at(minutes).getTime(),
    value: VehiclePositionMatched.encode(
      VehiclePositionMatched.fromPartial({
        meta: { eventId: `pos-${suffix}-${bus}-${minutes}`, occurredAt: at(minutes) },
        vehicleId: bus,
        observedAt: at(minutes),
        matchStatus: MatchStatus.MATCHED,
        trip: { tripId, routeId: route, directionId: 0, startDate: '20261123' },
        currentStopSequence: sequence,
        currentStopId: `s${sequence}`,
        currentStatus: status,
        scheduleDeviationS: deviation,
      }),
    ).finish(),
  });
  const phase = (seconds: number, color: SignalColor): OutgoingMessage => ({
    key: intersection,
    timestamp: T0 + seconds * 1000,
    value: PhaseChanged.encode(
      PhaseChanged.fromPartial({
        meta: { eventId: `ph-${suffix}-${seconds}`, occurredAt: new Date(T0 + seconds * 1000) },
        intersectionId: intersection,
        phaseNumbers: [2],
        color,
      }),
    ).finish(),
  });
  return [
    {
      topic: 'parking.occupancy-changed.v1',
      messages: [occupancy(0, 40), occupancy(30, 90), occupancy(60, 50), occupancy(90, 95)],
    },
    {
      topic: 'avl.trip-prediction.v1',
      messages: [
        {
          key: trip,
          timestamp: T0,
          value: TripPrediction.encode(
            TripPrediction.fromPartial({
              meta: { eventId: `pred-${suffix}`, occurredAt: at(0) },
              trip: { tripId: trip, routeId: route, startDate: '20261123' },
              stopTimePredictions: [
                { stopSequence: 5, stopId: 's5', arrival: { predictedTime: at(5) } },
                { stopSequence: 6, stopId: 's6', arrival: { predictedTime: at(8) } },
              ],
            }),
          ).finish(),
        },
      ],
    },
    {
      topic: 'avl.position-matched.v1',
      messages: [
        // Reaches stop 5 at 08:06:30, 90 s late; passes stop 6 by 08:12, 400 s late.
        position(6.5, 5, VehicleStopStatus.STOPPED_AT, 90),
        position(12, 7, VehicleStopStatus.IN_TRANSIT_TO, 400),
        // The next trip of the route stops at stop 5 ten minutes later, on time.
        position(16.5, 5, VehicleStopStatus.STOPPED_AT, 0, `bus2-${suffix}`, `t2-${suffix}`),
      ],
    },
    {
      topic: 'avl.headway-alert.v1',
      messages: [
        {
          key: route,
          timestamp: at(20).getTime(),
          value: HeadwayAlert.encode(
            HeadwayAlert.fromPartial({
              meta: { eventId: `hw-${suffix}`, occurredAt: at(20) },
              alertId: `hw-${suffix}`,
              routeId: route,
              condition: HeadwayCondition.BUNCHING,
              state: AlertState.RAISED,
            }),
          ).finish(),
        },
      ],
    },
    {
      topic: 'signal.phase-changed.v1',
      messages: [phase(0, SignalColor.GREEN), phase(40, SignalColor.RED), phase(60, SignalColor.GREEN)],
    },
    {
      topic: 'signal.detector-count.v1',
      messages: [
        {
          key: intersection,
          timestamp: T0,
          value: DetectorCount.encode(
            DetectorCount.fromPartial({
              meta: { eventId: `det-${suffix}`, occurredAt: at(1) },
              intersectionId: intersection,
              detectorId: 'd1',
              intervalStart: at(0),
              interval: durationFromMs(60_000),
              volume: 30,
            }),
          ).finish(),
        },
      ],
    },
  ];
}
