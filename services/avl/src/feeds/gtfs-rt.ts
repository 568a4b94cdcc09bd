/**
 * GTFS-realtime encoding for the feeds, through `@mobility/gtfs-rt` (MobilityData's
 * `gtfs-realtime-bindings`, generated from the official gtfs-realtime.proto), so the wire format is
 * never hand-copied here.
 */
import {
  decodeFeed as decodeGtfsRt,
  encodeFeed as encodeGtfsRt,
  type FeedMessage,
  feedToJson as gtfsRtToJson,
  transit_realtime,
} from '@mobility/gtfs-rt';

export type {
  Alert,
  FeedEntity,
  FeedMessage,
  StopTimeUpdate,
  TripDescriptor,
  TripUpdate,
  VehiclePosition,
} from '@mobility/gtfs-rt';
export { toNumber } from '@mobility/gtfs-rt';

export const rt = transit_realtime;

export function encodeFeed(feed: FeedMessage): Uint8Array {
  return encodeGtfsRt(feed);
}

/** Decodes a feed (gzipped or not); throws on bytes that are not a FeedMessage. */
export function decodeFeed(bytes: Uint8Array) {
  return decodeGtfsRt(bytes);
}

/** The protobuf JSON mapping people read with `?format=json`. */
export function feedToJson(bytes: Uint8Array): unknown {
  return gtfsRtToJson(decodeGtfsRt(bytes));
}
