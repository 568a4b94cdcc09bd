import { readGtfsZip } from '@mobility/gtfs';
import type { EventBus, OutgoingMessage, TopicMessages } from '@mobility/runtime';
import { buildSimNetwork, type City, cityGtfsZip, generateCity, type SimNetwork } from '../src/index.js';

/** The town of seed 1 with its bus network, built once per test file. */
export function town(seed = 1): { city: City; network: SimNetwork } {
  const city = generateCity({ seed, size: 'town', startDate: '20261102' });
  return { city, network: buildSimNetwork(readGtfsZip(cityGtfsZip(city))) };
}

/** Records what the drivers publish; the drivers only ever call publishBatch. */
export function recordingBus(): { bus: EventBus; published: Map<string, OutgoingMessage[]> } {
  const published = new Map<string, OutgoingMessage[]>();
  const bus = {
    publishBatch: async (batches: readonly TopicMessages[]) => {
      for (const { topic, messages } of batches)
        published.set(topic, [...(published.get(topic) ?? []), ...messages]);
    },
  } as unknown as EventBus;
  return { bus, published };
}

/** Epoch ms of a local wall time in Europe/Zurich in November (UTC+1). */
export function zurich(date: string, hour: number, minute = 0): number {
  return Date.UTC(
    Number(date.slice(0, 4)),
    Number(date.slice(4, 6)) - 1,
    Number(date.slice(6, 8)),
    hour - 1,
    minute,
  );
}
