import { RawVehiclePing } from '@mobility/contracts/avl/v1/events';
import { PingSource } from '@mobility/contracts/avl/v1/transit';
import type { TracePing } from '../eval/pings-csv.js';
import { pingEventId } from '../ingest/raw-ping.js';

/** A trace row as the raw ping an AVL vendor would put on `avl.raw-ping.v1`. */
export function rawPingOfTrace(row: TracePing, source: PingSource = PingSource.REPLAY): RawVehiclePing {
  return RawVehiclePing.fromPartial({
    meta: {
      eventId: pingEventId(row.vehicleId, row.timestampMs, source),
      occurredAt: new Date(row.timestampMs),
      producer: 'avl-bench',
    },
    vehicleId: row.vehicleId,
    position: { lat: row.lat, lon: row.lon },
    observedAt: new Date(row.timestampMs),
    receivedAt: new Date(row.timestampMs),
    ...(row.bearingDeg !== undefined && Number.isFinite(row.bearingDeg)
      ? { bearingDeg: row.bearingDeg }
      : {}),
    ...(row.speedMps !== undefined && Number.isFinite(row.speedMps) ? { speedMps: row.speedMps } : {}),
    reportedTripId: row.tripId ?? '',
    reportedRouteId: row.routeId ?? '',
    reportedStartDate: row.startDate ?? '',
    reportedStartTime: row.startTime ?? '',
    source,
    sourceRecordId: String(row.line),
  });
}
