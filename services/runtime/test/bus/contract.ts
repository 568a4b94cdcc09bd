import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DLQ_HEADERS, deadLetterTopicFor } from '../../src/bus/delivery.js';
import { partitionFor } from '../../src/bus/partitioner.js';
import type { DeliveredMessage, EventBus, Subscription } from '../../src/bus/port.js';

/**
 * One behavioural contract for every EventBus adapter. Each test uses its own topics and groups,
 * so the suite runs against a shared broker without cleanup between tests.
 */
export function describeEventBusContract(adapter: string, connect: () => Promise<EventBus>): void {
  describe(`EventBus contract: ${adapter}`, () => {
    let bus: EventBus;
    const suffix = () => randomUUID().slice(0, 8);
    const unique = (what: string) => `contract.${what}-${suffix()}.v1`;
    const uniqueGroup = (what: string) => `contract.${what}-${suffix()}`;
    const text = (message: DeliveredMessage) => new TextDecoder().decode(message.value);
    const encode = (value: string) => new TextEncoder().encode(value);

    beforeAll(async () => {
      bus = await connect();
    });
    afterAll(async () => {
      await bus?.close();
    });

    it('keeps per-key order across partitions and places keys as Kafka does', async () => {
      const topic = unique('ordering');
      await bus.ensureTopics([{ name: topic, partitions: 4 }]);
      const keys = Array.from({ length: 8 }, (_, index) => `vehicle-${index}`);
      const perKey = 25;
      for (let round = 0; round < perKey; round += 5) {
        const batch = [];
        for (let step = round; step < round + 5; step++) {
          for (const key of keys) batch.push({ key, value: encode(`${key}:${step}`) });
        }
        await bus.publish(topic, batch);
      }
      const received: DeliveredMessage[] = [];
      const subscription = await bus.subscribe({
        group: uniqueGroup('ordering-group'),
        topics: [topic],
        fromBeginning: true,
        concurrency: 4,
        handler: async (message) => {
          received.push(message);
        },
      });
      await waitFor(() => received.length >= keys.length * perKey, 'all ordered messages');
      await subscription.stop();

      expect(received).toHaveLength(keys.length * perKey);
      for (const key of keys) {
        const mine = received.filter((message) => message.key === key);
        expect(mine.map(text)).toEqual(Array.from({ length: perKey }, (_, step) => `${key}:${step}`));
        expect(new Set(mine.map((message) => message.partition))).toEqual(new Set([partitionFor(key, 4)]));
      }
      expect(new Set(received.map((message) => message.partition)).size).toBeGreaterThan(1);
    });

    it('hands the partitions of a member that stops to the rest of the group, losing nothing', async () => {
      const topic = unique('takeover');
      const group = uniqueGroup('takeover-group');
      await bus.ensureTopics([{ name: topic, partitions: 4 }]);
      const seenBy = { first: new Set<string>(), second: new Set<string>() };
      const second: DeliveredMessage[] = [];
      const first = await bus.subscribe({
        group,
        topics: [topic],
        fromBeginning: true,
        handler: async (message) => {
          seenBy.first.add(text(message));
        },
      });
      const secondMember = await bus.subscribe({
        group,
        topics: [topic],
        fromBeginning: true,
        handler: async (message) => {
          seenBy.second.add(text(message));
          second.push(message);
        },
      });

      // Publish until both members have work, which shows the group split the partitions.
      let published = 0;
      await waitFor(
        async () => {
          await bus.publish(
            topic,
            Array.from({ length: 8 }, (_, index) => ({
              key: `k${index}`,
              value: encode(`before-${published++}`),
            })),
          );
          return seenBy.first.size > 0 && seenBy.second.size > 0;
        },
        'both members receiving',
        { intervalMs: 300 },
      );
      await first.stop();

      const after = Array.from({ length: 40 }, (_, index) => ({
        key: `k${index % 8}`,
        value: encode(`after-${index}`),
      }));
      await bus.publish(topic, after);
      const everything = [
        ...Array.from({ length: published }, (_, index) => `before-${index}`),
        ...after.map((m) => new TextDecoder().decode(m.value)),
      ];
      await waitFor(
        () => everything.every((value) => seenBy.first.has(value) || seenBy.second.has(value)),
        'every message seen by the group',
      );
      await secondMember.stop();

      const afterPartitions = new Set(
        second.filter((m) => text(m).startsWith('after-')).map((m) => m.partition),
      );
      expect(afterPartitions).toEqual(new Set(after.map((m) => partitionFor(m.key, 4))));
      for (const value of everything) expect(seenBy.first.has(value) || seenBy.second.has(value)).toBe(true);
    });

    it('resumes from committed offsets after a restart (at least once, no loss, no rewind)', async () => {
      const topic = unique('restart');
      const group = uniqueGroup('restart-group');
      await bus.ensureTopics([{ name: topic, partitions: 2 }]);
      const batch = (label: string) =>
        Array.from({ length: 30 }, (_, index) => ({
          key: `k${index % 5}`,
          value: encode(`${label}-${index}`),
        }));
      await bus.publish(topic, batch('one'));

      const firstRun: string[] = [];
      const first = await bus.subscribe({
        group,
        topics: [topic],
        fromBeginning: true,
        handler: async (message) => {
          firstRun.push(text(message));
        },
      });
      await waitFor(() => firstRun.length >= 30, 'first batch');
      await first.stop();

      await bus.publish(topic, batch('two'));
      const secondRun: string[] = [];
      const second = await bus.subscribe({
        group,
        topics: [topic],
        fromBeginning: true,
        handler: async (message) => {
          secondRun.push(text(message));
        },
      });
      await waitFor(() => secondRun.filter((value) => value.startsWith('two-')).length >= 30, 'second batch');
      await second.stop();

      expect(new Set(firstRun)).toEqual(new Set(batch('one').map((m) => new TextDecoder().decode(m.value))));
      expect(secondRun.filter((value) => value.startsWith('one-'))).toEqual([]);
      expect(new Set(secondRun)).toEqual(new Set(batch('two').map((m) => new TextDecoder().decode(m.value))));
    });

    it('dead-letters a message that keeps failing, with reason and origin, and keeps the partition flowing', async () => {
      const topic = unique('poison');
      const group = uniqueGroup('poison-group');
      await bus.ensureTopics([{ name: topic, partitions: 1 }]);
      await bus.publish(
        topic,
        Array.from({ length: 10 }, (_, index) => ({
          key: 'same-entity',
          value: encode(index === 3 ? 'poison' : `ok-${index}`),
          headers: { 'x-origin': 'contract-test' },
        })),
      );
      const handled: string[] = [];
      let poisonAttempts = 0;
      const subscription = await bus.subscribe({
        group,
        topics: [topic],
        fromBeginning: true,
        maxAttempts: 3,
        retryBackoffMs: 10,
        handler: async (message) => {
          if (text(message) === 'poison') {
            poisonAttempts++;
            throw new Error('cannot decode payload');
          }
          handled.push(text(message));
        },
      });
      const deadLetters: DeliveredMessage[] = [];
      let watcher: Subscription | undefined;
      await waitFor(async () => {
        // The dead-letter topic exists once the group subscribed.
        watcher ??= await bus.subscribe({
          group: uniqueGroup('dlq-watch'),
          topics: [deadLetterTopicFor(group)],
          fromBeginning: true,
          handler: async (message) => {
            deadLetters.push(message);
          },
        });
        return handled.length >= 9 && deadLetters.length >= 1;
      }, 'dead letter and the rest of the partition');
      await subscription.stop();
      await watcher?.stop();

      expect(handled).toEqual([0, 1, 2, 4, 5, 6, 7, 8, 9].map((index) => `ok-${index}`));
      expect(poisonAttempts).toBe(3);
      expect(deadLetters).toHaveLength(1);
      const [dead] = deadLetters as [DeliveredMessage];
      expect(text(dead)).toBe('poison');
      expect(dead.key).toBe('same-entity');
      expect(dead.headers[DLQ_HEADERS.reason]).toContain('cannot decode payload');
      expect(dead.headers[DLQ_HEADERS.sourceTopic]).toBe(topic);
      expect(dead.headers[DLQ_HEADERS.sourcePartition]).toBe('0');
      expect(dead.headers[DLQ_HEADERS.sourceOffset]).toBe('3');
      expect(dead.headers[DLQ_HEADERS.consumerGroup]).toBe(group);
      expect(dead.headers['x-origin']).toBe('contract-test');
    });

    it('replays a group from a chosen offset', async () => {
      const topic = unique('replay');
      const group = uniqueGroup('replay-group');
      await bus.ensureTopics([{ name: topic, partitions: 1 }]);
      await bus.publish(
        topic,
        Array.from({ length: 10 }, (_, index) => ({
          key: 'k',
          value: encode(`m${index}`),
          timestamp: 1_700_000_000_000 + index,
        })),
      );
      const consumeAll = async (expected: number) => {
        const seen: DeliveredMessage[] = [];
        const subscription = await bus.subscribe({
          group,
          topics: [topic],
          fromBeginning: true,
          handler: async (message) => {
            seen.push(message);
          },
        });
        await waitFor(() => seen.length >= expected, `${expected} messages`);
        await subscription.stop();
        return seen;
      };
      const firstPass = await consumeAll(10);
      await bus.resetOffsets(group, topic, [{ partition: 0, offset: 6 }]);
      const replayed = await consumeAll(4);

      expect(firstPass.map((m) => m.offset)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(replayed.map(text)).toEqual(['m6', 'm7', 'm8', 'm9']);
      expect(replayed.map((m) => m.timestamp)).toEqual([6, 7, 8, 9].map((i) => 1_700_000_000_000 + i));
      const [info] = await bus.describeTopics([topic]);
      expect(info?.partitions).toEqual([{ partition: 0, low: 0, high: 10 }]);
    });

    it('refuses to publish to a topic that was never created', async () => {
      await expect(bus.publish(unique('missing'), [{ key: 'k', value: encode('x') }])).rejects.toThrow();
    });

    it('publishes to several topics at once, keeping each key in order and the given timestamps', async () => {
      const topics = [unique('batch-a'), unique('batch-b')] as const;
      await bus.ensureTopics(topics.map((name) => ({ name, partitions: 3 })));
      const keys = ['k1', 'k2', 'k3', 'k4'];
      await bus.publishBatch(
        topics.map((topic, index) => ({
          topic,
          messages: Array.from({ length: 20 }, (_, step) => ({
            key: keys[step % keys.length] as string,
            value: encode(`${index}:${step}`),
            timestamp: 1_700_000_000_000 + step,
          })),
        })),
      );
      const received: DeliveredMessage[] = [];
      const subscription = await bus.subscribe({
        group: uniqueGroup('batch-publish'),
        topics: [...topics],
        fromBeginning: true,
        concurrency: 3,
        handler: async (message) => {
          received.push(message);
        },
      });
      await waitFor(() => received.length >= 40, 'both topics');
      await subscription.stop();
      for (const [index, topic] of topics.entries()) {
        for (const key of keys) {
          const mine = received.filter((m) => m.topic === topic && m.key === key);
          const steps = Array.from({ length: 20 }, (_, step) => step).filter(
            (step) => keys[step % keys.length] === key,
          );
          expect(mine.map(text)).toEqual(steps.map((step) => `${index}:${step}`));
          expect(mine.map((m) => m.timestamp)).toEqual(steps.map((step) => 1_700_000_000_000 + step));
        }
      }
      await expect(
        bus.publishBatch([{ topic: unique('missing-batch'), messages: [{ key: 'k', value: encode('x') }] }]),
      ).rejects.toThrow();
    });

    it('hands runs of a partition to a batch handler in order, commits them, and dead-letters only the poison', async () => {
      const topic = unique('batch-consume');
      const group = uniqueGroup('batch-consume');
      await bus.ensureTopics([{ name: topic, partitions: 2 }]);
      const values = Array.from({ length: 60 }, (_, index) => (index === 17 ? 'poison' : `v${index}`));
      await bus.publish(
        topic,
        values.map((value, index) => ({ key: `key-${index % 5}`, value: encode(value) })),
      );
      const handled: DeliveredMessage[] = [];
      const batchSizes: number[] = [];
      const subscription = await bus.subscribeBatch({
        group,
        topics: [topic],
        fromBeginning: true,
        maxBatchSize: 25,
        maxAttempts: 2,
        retryBackoffMs: 5,
        handler: async (messages) => {
          if (messages.some((message) => text(message) === 'poison')) throw new Error('poison in batch');
          batchSizes.push(messages.length);
          handled.push(...messages);
        },
      });
      await waitFor(() => handled.length >= 59, 'every good message');
      await subscription.stop();

      expect(new Set(handled.map(text)).size).toBe(59);
      expect(handled.map(text)).not.toContain('poison');
      expect(Math.max(...batchSizes)).toBeGreaterThan(1);
      expect(Math.max(...batchSizes)).toBeLessThanOrEqual(25);
      for (const partition of [0, 1]) {
        const offsets = handled.filter((m) => m.partition === partition).map((m) => m.offset);
        expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
      }
      const deadLetters: DeliveredMessage[] = [];
      const watcher = await bus.subscribe({
        group: uniqueGroup('batch-dlq-watch'),
        topics: [deadLetterTopicFor(group)],
        fromBeginning: true,
        handler: async (message) => {
          deadLetters.push(message);
        },
      });
      await waitFor(() => deadLetters.length >= 1, 'the dead letter');
      await watcher.stop();
      expect(deadLetters.map(text)).toEqual(['poison']);

      // Everything was committed: a new member of the group gets nothing old.
      await bus.publish(topic, [{ key: 'key-0', value: encode('after') }]);
      const later: string[] = [];
      const again = await bus.subscribeBatch({
        group,
        topics: [topic],
        handler: async (messages) => {
          later.push(...messages.map(text));
        },
      });
      await waitFor(() => later.length >= 1, 'the message published after the restart');
      await again.stop();
      expect(later).toEqual(['after']);
    });
  });
}

export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  what: string,
  { timeoutMs = 25_000, intervalMs = 25 } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
