import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmbeddedBus } from '../../src/bus/embedded.js';
import { namespacedBus } from '../../src/bus/namespace.js';
import type { DeliveredMessage, EventBus } from '../../src/bus/port.js';
import { createEventTimeClock } from '../../src/service/event-time-clock.js';
import { createManualClock } from '../../src/util/clock.js';
import { waitFor } from './contract.js';

const encode = (value: string) => new TextEncoder().encode(value);
const text = (message: DeliveredMessage) => new TextDecoder().decode(message.value);

describe('namespacedBus', () => {
  let bus: EventBus;
  beforeAll(() => {
    bus = createEmbeddedBus();
  });
  afterAll(async () => {
    await bus.close();
  });

  it('keeps a service on catalogue names while everything it touches lives under the namespace', async () => {
    const replay = namespacedBus(bus, 'replay.r1');
    await replay.ensureTopics([{ name: 'parking.sensor-event.v1', partitions: 2 }]);
    await bus.ensureTopics([{ name: 'parking.sensor-event.v1', partitions: 2 }]);
    await bus.publish('parking.sensor-event.v1', [{ key: 'f1', value: encode('live') }]);
    await replay.publish('parking.sensor-event.v1', [{ key: 'f1', value: encode('replayed') }]);

    const seen: DeliveredMessage[] = [];
    const subscription = await replay.subscribe({
      group: 'parking.sensor-events',
      topics: ['parking.sensor-event.v1'],
      fromBeginning: true,
      handler: async (message) => {
        seen.push(message);
      },
    });
    await waitFor(() => seen.length >= 1, 'the replayed message');
    await subscription.stop();
    expect(seen.map(text)).toEqual(['replayed']);
    expect(seen[0]?.topic).toBe('parking.sensor-event.v1');

    const names = (await bus.describeTopics()).map((topic) => topic.name);
    expect(names).toContain('replay.r1.parking.sensor-event.v1');
    // The group's dead-letter topic is inside the namespace, never the live one.
    expect(names).toContain('replay.r1.dlq.parking.sensor-events.v1');
    expect(names).not.toContain('dlq.parking.sensor-events.v1');
    const inside = (await replay.describeTopics()).map((topic) => topic.name);
    expect(inside).toEqual(['dlq.parking.sensor-events.v1', 'parking.sensor-event.v1']);
  });

  it('refuses a namespace that would not make valid topic names', () => {
    expect(() => namespacedBus(bus, 'Replay run')).toThrow(/namespace/);
    expect(() => namespacedBus(bus, 'replay.')).toThrow(/namespace/);
  });

  it('lets a replay clock follow the event time of the message being handled', async () => {
    const fallback = createManualClock(5);
    const clock = createEventTimeClock(fallback);
    const replay = namespacedBus(bus, 'replay.clock-test', { aroundDelivery: clock.during });
    await replay.ensureTopics([{ name: 'signal.detector-count.v1', partitions: 1 }]);
    expect(clock.now()).toBe(5);
    await replay.publishBatch([
      {
        topic: 'signal.detector-count.v1',
        messages: [
          { key: 'i1', value: encode('a'), timestamp: 1_000 },
          { key: 'i1', value: encode('b'), timestamp: 2_000 },
        ],
      },
    ]);
    const nowDuring: number[] = [];
    const subscription = await replay.subscribe({
      group: 'signal.detector-counts',
      topics: ['signal.detector-count.v1'],
      fromBeginning: true,
      handler: async () => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        nowDuring.push(clock.now());
      },
    });
    await waitFor(() => nowDuring.length >= 2, 'both messages');
    await subscription.stop();
    expect(nowDuring).toEqual([1_000, 2_000]);
    expect(clock.now()).toBe(2_000);
  });
});
