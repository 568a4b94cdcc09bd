import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { OccupancyChanged } from '@mobility/contracts/parking/v1/events';
import { ParkingServiceService } from '@mobility/contracts/parking/v1/service';
import { ALL_ROLES, definePolicy, type ServiceDefinition, type Subscription } from '@mobility/runtime';
import { createChangeFeed } from './events/change-feed.js';
import { CHANGED_TOPIC, createIngest, INGEST_TOPICS } from './events/ingest.js';
import { createFacilityForecaster } from './forecasting.js';
import { createParkingHandlers } from './grpc/handlers.js';
import { registerOpenData } from './http/open-data.js';
import { createLiveStore } from './store/live.js';

/** Public roles read; only operators change facilities (audited, with a reason). */
export const parkingAccessPolicy = definePolicy({
  ListFacilities: ALL_ROLES,
  GetOccupancy: ALL_ROLES,
  StreamOccupancyChanges: ALL_ROLES,
  GetForecast: ALL_ROLES,
  FindAvailable: ALL_ROLES,
  GetOccupancyHistory: ['operator', 'planner'],
  UpsertFacility: ['operator'],
});

export const DEFAULT_OPEN_DATA_LICENSE = 'https://creativecommons.org/licenses/by/4.0/';

/**
 * Licence of the open data: PARKING_OPEN_DATA_LICENSE (an http(s) URL), else CC BY 4.0. A bad value
 * stops the start with the variable's name, as the runtime's config errors do.
 */
export function openDataLicense(env: NodeJS.ProcessEnv = process.env): string {
  const value = env.PARKING_OPEN_DATA_LICENSE?.trim();
  if (!value) return DEFAULT_OPEN_DATA_LICENSE;
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || !['http:', 'https:'].includes(url.protocol)) {
    throw new Error('PARKING_OPEN_DATA_LICENSE must be an http(s) URL');
  }
  return url.toString();
}

/** Consumer groups, `parking.<purpose>`; each has its own dead-letter topic. */
export const CONSUMER_GROUPS = {
  sensors: 'parking.sensor-events',
  counts: 'parking.gate-counts',
  snapshots: 'parking.occupancy-snapshots',
} as const;

export const parkingService: ServiceDefinition = {
  name: 'parking',
  description: 'facilities, live occupancy, forecasts, guidance, price advice and open data',
  publishes: [CHANGED_TOPIC],
  consumes: [INGEST_TOPICS.sensors, INGEST_TOPICS.counts, INGEST_TOPICS.snapshots, CHANGED_TOPIC],
  migrationsDir: fileURLToPath(new URL('../migrations/', import.meta.url)),
  accessPolicy: parkingAccessPolicy,
  create({ bus, db, hotState, grpc, http, audit, logger, clock }) {
    const license = openDataLicense();
    const live = createLiveStore(hotState, db);
    const feed = createChangeFeed();
    const now = () => clock.now();
    const ingest = createIngest({ db, live, bus, logger, now });
    const forecaster = createFacilityForecaster(db, live);
    grpc.addService(
      ParkingServiceService,
      createParkingHandlers({ db, live, audit, feed, forecaster, logger, now }),
    );
    registerOpenData(http, { db, live, license });

    const subscriptions: Subscription[] = [];
    return {
      async start() {
        const ingestGroups = [
          { group: CONSUMER_GROUPS.sensors, topic: INGEST_TOPICS.sensors, handler: ingest.handleSensor },
          { group: CONSUMER_GROUPS.counts, topic: INGEST_TOPICS.counts, handler: ingest.handleCount },
          {
            group: CONSUMER_GROUPS.snapshots,
            topic: INGEST_TOPICS.snapshots,
            handler: ingest.handleSnapshot,
          },
        ];
        for (const { group, topic, handler } of ingestGroups) {
          subscriptions.push(
            await bus.subscribe({
              group,
              topics: [topic],
              fromBeginning: true,
              handler: async (message) => {
                await handler(message);
              },
            }),
          );
        }
        // Every replica reads every change (its own group) so any replica can serve any stream;
        // only new changes matter, the stream opens with the current state from hot state.
        subscriptions.push(
          await bus.subscribe({
            group: `parking.stream-${randomBytes(4).toString('hex')}`,
            topics: [CHANGED_TOPIC],
            fromBeginning: false,
            maxAttempts: 1,
            handler: async (message) => {
              feed.publish(OccupancyChanged.decode(message.value));
            },
          }),
        );
      },
      async stop() {
        await Promise.all(subscriptions.splice(0).map((subscription) => subscription.stop()));
      },
    };
  },
};
