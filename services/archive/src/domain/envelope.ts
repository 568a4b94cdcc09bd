import { BinaryReader, BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import type { EventMeta } from '@mobility/contracts/common/v1/event';
import type { AnyTopicSpec } from '@mobility/contracts/topics';

/** Every catalogued message carries its EventMeta as field 1. */
interface WithMeta {
  meta?: EventMeta | undefined;
}

export interface NormalizedEvent {
  /** When the fact happened: meta.occurred_at, else the bus timestamp. */
  eventTime: number;
  /** The payload re-encoded by the contract: fields the contract does not declare are gone. */
  payload: Uint8Array;
  /** The decoded message, for deriving KPI rows. */
  message: unknown;
}

/** Bytes that are not a message of the topic's type: the archive refuses them (dead letter). */
export class UndecodableEvent extends Error {
  override name = 'UndecodableEvent';
}

/**
 * Decodes an event with its topic's codec and encodes it again. Re-encoding is the privacy gate of
 * the archive: a producer that put something undeclared on the wire (a plate, a driver id) never
 * gets it into history, because the generated decoder skips unknown fields.
 */
export function normalizeEvent(spec: AnyTopicSpec, bytes: Uint8Array, busTimestamp: number): NormalizedEvent {
  let message: unknown;
  try {
    message = spec.codec.decode(bytes);
  } catch (error) {
    throw new UndecodableEvent(
      `payload on ${spec.name} is not a ${spec.messageType}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const occurredAt = (message as WithMeta).meta?.occurredAt?.getTime();
  const eventTime = occurredAt !== undefined && Number.isFinite(occurredAt) ? occurredAt : busTimestamp;
  if (!Number.isFinite(eventTime)) throw new UndecodableEvent(`event on ${spec.name} has no usable time`);
  return { eventTime, payload: spec.codec.encode(message).finish(), message };
}

/** Field numbers of EventMeta and of its place in every catalogued message. */
const META_FIELD = 1;
const REPLAY_RUN_ID_FIELD = 6;

/**
 * The payload of an event replayed by run `runId`: meta.replay_run_id set, so consumers (and anything
 * they publish in turn) know it is history, never live data. Everything else is kept byte for byte.
 *
 * Done on the wire rather than by decoding and encoding the whole message: a replay stamps every
 * event, and this costs a scan of the top-level tags instead of building and serialising objects.
 * Any previous replay_run_id is dropped, so a replay of a replay carries only the new run.
 */
export function stampReplay(payload: Uint8Array, runId: string): Uint8Array {
  const reader = new BinaryReader(payload);
  const rest: Uint8Array[] = [];
  let meta: Uint8Array | undefined;
  while (reader.pos < reader.len) {
    const start = reader.pos;
    const [fieldNo, wireType] = reader.tag();
    if (fieldNo === META_FIELD && wireType === WireType.LengthDelimited) {
      // The last occurrence is what decoders keep.
      meta = reader.bytes();
    } else {
      reader.skip(wireType, fieldNo);
      rest.push(payload.subarray(start, reader.pos));
    }
  }
  const writer = new BinaryWriter();
  writer.uint32((META_FIELD << 3) | WireType.LengthDelimited).fork();
  if (meta) {
    const metaReader = new BinaryReader(meta);
    while (metaReader.pos < metaReader.len) {
      const start = metaReader.pos;
      const [fieldNo, wireType] = metaReader.tag();
      metaReader.skip(wireType, fieldNo);
      if (fieldNo !== REPLAY_RUN_ID_FIELD) writer.raw(meta.subarray(start, metaReader.pos));
    }
  }
  writer.uint32((REPLAY_RUN_ID_FIELD << 3) | WireType.LengthDelimited).string(runId);
  writer.join();
  for (const part of rest) writer.raw(part);
  return writer.finish();
}
