// Imported through the package's own `exports` map, as consumers do.

import { credentials, Server, ServerCredentials } from '@grpc/grpc-js';
import { MatchStatus, VehiclePositionMatched } from '@mobility/contracts/avl/v1/events';
import {
  AvlServiceClient,
  type AvlServiceServer,
  AvlServiceService,
  type GetVehicleResponse,
} from '@mobility/contracts/avl/v1/service';
import { DataQualityFlag } from '@mobility/contracts/common/v1/event';
import { PlanJourneyRequest, RoutingServiceService } from '@mobility/contracts/routing/v1/service';
import { SignalServiceService } from '@mobility/contracts/signal/v1/service';
import {
  ALL_TOPICS,
  type AnyTopicSpec,
  deadLetterTopicFor,
  findTopic,
  isDeadLetterTopic,
  isValidTopicName,
  messageKey,
  TOPICS,
  type TopicName,
  topic,
} from '@mobility/contracts/topics';
import {
  durationFromMs,
  durationFromSeconds,
  durationToMs,
  durationToSeconds,
} from '@mobility/contracts/wkt';
import { describe, expect, it } from 'vitest';
import { SAMPLES } from './samples.js';

describe('topic catalogue', () => {
  it('names every topic <domain>.<event>.v<major>, with the owner as domain', () => {
    for (const spec of ALL_TOPICS) {
      expect(isValidTopicName(spec.name), spec.name).toBe(true);
      expect(spec.name.split('.')[0]).toBe(spec.owner);
      expect(spec.producers[0]).toBe(spec.owner);
      expect(spec.partitions).toBeGreaterThan(0);
      expect(spec.description.length).toBeGreaterThan(10);
      expect(spec.messageType.startsWith(`mobility.${spec.owner}.v`)).toBe(true);
    }
  });

  it('rejects names that break the rule', () => {
    for (const bad of [
      'avl.positionMatched.v1',
      'avl.position_matched.v1',
      'avl.position-matched',
      'avl.x.v0',
      'Avl.x.v1',
    ]) {
      expect(isValidTopicName(bad), bad).toBe(false);
    }
  });

  it('has no two topics with the same name, and indexes them by name', () => {
    const names = ALL_TOPICS.map((spec) => spec.name);
    expect(new Set(names).size).toBe(names.length);
    for (const spec of ALL_TOPICS) {
      expect(TOPICS[spec.name]).toBe(spec);
      expect(findTopic(spec.name)).toBe(spec);
    }
    expect(findTopic('avl.nope.v1')).toBeUndefined();
  });

  it('has a sample for every topic', () => {
    expect(Object.keys(SAMPLES).sort()).toEqual(ALL_TOPICS.map((spec) => spec.name).sort());
  });

  it.each(ALL_TOPICS.map((spec) => [spec.name, spec] as const))(
    '%s round-trips a sample through binary and JSON, and yields its key',
    (name, spec: AnyTopicSpec) => {
      const sample = SAMPLES[name as TopicName];
      const bytes = spec.codec.encode(sample).finish();
      expect(bytes.length).toBeGreaterThan(0);
      const decoded = spec.codec.decode(bytes);
      expect(decoded).toEqual(sample);
      expect(spec.codec.fromJSON(JSON.parse(JSON.stringify(spec.codec.toJSON(sample))))).toEqual(sample);
      const key = messageKey(spec, decoded);
      expect(key).not.toBe('');
      expect(key).toBe(spec.key(sample));
    },
  );

  it('types topic() by name', () => {
    const matched = topic('avl.position-matched.v1');
    const message = matched.codec.decode(matched.codec.encode(SAMPLES['avl.position-matched.v1']).finish());
    // Compiles only because topic() carries the message type.
    expect(message.matchStatus).toBe(MatchStatus.MATCHED);
    expect(matched.key(message)).toBe('bus-4711');
  });

  it('refuses an empty key', () => {
    const spec = topic('avl.position-matched.v1');
    expect(() => messageKey(spec, VehiclePositionMatched.create({}))).toThrow(/empty key/);
  });
});

describe('dead-letter topics', () => {
  it('derives dlq.<group>.v1 from the consumer group', () => {
    expect(deadLetterTopicFor('signal.transit-priority')).toBe('dlq.signal.transit-priority.v1');
    expect(isDeadLetterTopic(deadLetterTopicFor('routing.delays'))).toBe(true);
    expect(isDeadLetterTopic('avl.raw-ping.v1')).toBe(false);
  });

  it('refuses groups that are not <service>.<purpose>', () => {
    expect(() => deadLetterTopicFor('signal')).toThrow(TypeError);
    expect(() => deadLetterTopicFor('Signal.Priority')).toThrow(TypeError);
  });

  it('never collides with a catalogued topic', () => {
    for (const spec of ALL_TOPICS) expect(isDeadLetterTopic(spec.name)).toBe(false);
  });
});

describe('generated code', () => {
  it('has the gRPC method paths of the .proto services', () => {
    expect(AvlServiceService.getVehicle.path).toBe('/mobility.avl.v1.AvlService/GetVehicle');
    expect(AvlServiceService.streamPositions.path).toBe('/mobility.avl.v1.AvlService/StreamPositions');
    expect(AvlServiceService.streamPositions.responseStream).toBe(true);
    expect(Object.values(AvlServiceService).map((m) => m.path)).toEqual([
      '/mobility.avl.v1.AvlService/GetVehicle',
      '/mobility.avl.v1.AvlService/ListVehicles',
      '/mobility.avl.v1.AvlService/GetTripPredictions',
      '/mobility.avl.v1.AvlService/StreamPositions',
      '/mobility.avl.v1.AvlService/CreateServiceAlert',
      '/mobility.avl.v1.AvlService/ListServiceAlerts',
      '/mobility.avl.v1.AvlService/DeleteServiceAlert',
    ]);
    expect(SignalServiceService.setOverride.path).toBe('/mobility.signal.v1.SignalService/SetOverride');
    expect(RoutingServiceService.planJourney.path).toBe('/mobility.routing.v1.RoutingService/PlanJourney');
    expect(typeof AvlServiceClient).toBe('function');
  });

  it('keeps full proto enum names in JSON while TypeScript members drop the prefix', () => {
    const json = VehiclePositionMatched.toJSON(
      VehiclePositionMatched.create({ vehicleId: 'v', matchStatus: MatchStatus.OFF_ROUTE }),
    );
    expect(json).toMatchObject({ vehicleId: 'v', matchStatus: 'MATCH_STATUS_OFF_ROUTE' });
    expect(DataQualityFlag.STALE).toBe(1);
  });

  it('encodes oneofs as { $case, value } unions', () => {
    const request = PlanJourneyRequest.fromPartial({
      origin: { location: { $case: 'stopId', value: 'S1' } },
      destination: { location: { $case: 'coordinate', value: { lat: -16.92, lon: 145.77 } } },
      time: { $case: 'arriveBy', value: new Date('2026-02-16T08:00:00Z') },
      maxTransfers: 2,
    });
    const decoded = PlanJourneyRequest.decode(PlanJourneyRequest.encode(request).finish());
    expect(decoded.time).toEqual({ $case: 'arriveBy', value: new Date('2026-02-16T08:00:00Z') });
    expect(decoded.destination?.location).toEqual({
      $case: 'coordinate',
      value: { lat: -16.92, lon: 145.77 },
    });
    expect(decoded.maxTransfers).toBe(2);
  });
});

describe('grpc-js wiring', () => {
  it('serves and calls a generated service over a loopback socket', async () => {
    const implementation: Pick<AvlServiceServer, 'getVehicle'> = {
      getVehicle: (call, callback) => {
        callback(null, {
          vehicle: {
            vehicleId: call.request.vehicleId,
            stale: false,
            lastSeenAt: new Date('2026-02-16T08:00:00Z'),
          },
        });
      },
    };
    const server = new Server();
    server.addService(AvlServiceService, implementation);
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) =>
        error ? reject(error) : resolve(bound),
      ),
    );
    const client = new AvlServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
    try {
      const response = await new Promise<GetVehicleResponse>((resolve, reject) =>
        client.getVehicle({ vehicleId: 'bus-4711' }, (error, value) =>
          error ? reject(error) : resolve(value),
        ),
      );
      expect(response.vehicle?.vehicleId).toBe('bus-4711');
      expect(response.vehicle?.lastSeenAt).toEqual(new Date('2026-02-16T08:00:00Z'));
    } finally {
      client.close();
      server.forceShutdown();
    }
  });
});

describe('well-known type helpers', () => {
  it('converts durations through milliseconds', () => {
    expect(durationFromMs(1_500)).toEqual({ seconds: 1, nanos: 500_000_000 });
    expect(durationFromMs(-1_500)).toEqual({ seconds: -1, nanos: -500_000_000 });
    expect(durationFromSeconds(900)).toEqual({ seconds: 900, nanos: 0 });
    expect(durationFromMs(-500)).toEqual({ seconds: 0, nanos: -500_000_000 });
    expect(durationFromMs(999.9999999)).toEqual({ seconds: 1, nanos: 0 });
    expect(durationToMs({ seconds: 2, nanos: 250_000_000 })).toBe(2_250);
    expect(durationToSeconds(undefined)).toBe(0);
  });
});
