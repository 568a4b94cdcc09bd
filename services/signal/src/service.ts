import { fileURLToPath } from 'node:url';
import { SignalServiceService } from '@mobility/contracts/signal/v1/service';
import {
  ALL_ROLES,
  ConfigError,
  definePolicy,
  type ServiceContext,
  type ServiceDefinition,
  type Subscription,
} from '@mobility/runtime';
import {
  createIntersectionController,
  type IntersectionController,
} from './control/intersection-controller.js';
import { createControlRunner } from './control/runner.js';
import { loadIntersectionConfig } from './domain/config.js';
import type { DetectorHealthOptions } from './domain/detector-health.js';
import { computeMeasures } from './domain/measures.js';
import type { IntersectionModel } from './domain/model.js';
import type { PriorityOptions } from './domain/priority.js';
import { isStrategyName, type StrategyName } from './domain/strategy.js';
import { createDetectorIngest } from './events/detector-ingest.js';
import { createPublisher, TOPICS } from './events/publisher.js';
import { createPriorityIngest } from './events/transit-priority.js';
import { createPhaseFeed, createSignalHandlers } from './grpc/handlers.js';
import { loadCounts, loadGreens, loadOverrides, upsertMeasureBins } from './store/signal-store.js';

/** Everyone reads live signal state; planners and operators read measures; only operators override. */
export const signalAccessPolicy = definePolicy({
  GetIntersection: ALL_ROLES,
  ListIntersections: ALL_ROLES,
  StreamPhaseChanges: ALL_ROLES,
  GetPerformanceMeasures: ['operator', 'planner'],
  SetOverride: ['operator'],
  ClearOverride: ['operator'],
});

/** Consumer groups, `signal.<purpose>`; each has its own dead-letter topic. */
export const CONSUMER_GROUPS = {
  detectorCounts: 'signal.detector-counts',
  transitPriority: 'signal.transit-priority',
} as const;

/** Measures are written per 15-minute bin, the ATSPM default aggregation. */
export const MEASURE_BIN_MS = 15 * 60_000;

export interface SignalSettings {
  /** Path of the intersection config file (SIGNAL_INTERSECTIONS); none = no intersections. */
  intersectionsPath?: string;
  /** Control strategy (SIGNAL_STRATEGY), adaptive by default. */
  strategy: StrategyName;
}

/** Reads SIGNAL_INTERSECTIONS and SIGNAL_STRATEGY; a bad value stops the start naming the variable. */
export function signalSettings(env: NodeJS.ProcessEnv = process.env): SignalSettings {
  const path = env.SIGNAL_INTERSECTIONS?.trim();
  const strategy = env.SIGNAL_STRATEGY?.trim() || 'adaptive';
  if (!isStrategyName(strategy)) {
    throw new ConfigError(['SIGNAL_STRATEGY must be one of fixed, webster, max-pressure, adaptive']);
  }
  return { strategy, ...(path ? { intersectionsPath: path } : {}) };
}

export interface SignalServiceOptions {
  /** Environment to read the settings from (default process.env, read when the service is created). */
  env?: NodeJS.ProcessEnv;
  /** Intersections given directly instead of a config file (tests, the simulator). */
  intersections?: IntersectionModel[];
  /** Wall-clock wake period of the control loop (default 200 ms). */
  wakeEveryMs?: number;
  priority?: PriorityOptions;
  health?: DetectorHealthOptions;
}

/** The signal service, with its settings read from `options.env` when it is created. */
export function createSignalService(options: SignalServiceOptions = {}): ServiceDefinition {
  return {
    name: 'signal',
    description:
      'adaptive signal control behind a safety guard, detector health, transit priority, ATSPM measures',
    publishes: [TOPICS.phaseChanged, TOPICS.planChanged, TOPICS.priorityGranted, TOPICS.detectorAlarm],
    consumes: [TOPICS.detectorCount, TOPICS.positionMatched],
    migrationsDir: fileURLToPath(new URL('../migrations/', import.meta.url)),
    accessPolicy: signalAccessPolicy,
    create: (context) => createSignalApp(context, options),
  };
}

async function createSignalApp(context: ServiceContext, options: SignalServiceOptions) {
  const { bus, db, grpc, audit, logger, clock } = context;
  const settings = signalSettings(options.env ?? process.env);
  const models =
    options.intersections ??
    (settings.intersectionsPath ? await loadIntersectionConfig(settings.intersectionsPath) : []);
  if (models.length === 0) {
    logger.warn('no intersections configured (set SIGNAL_INTERSECTIONS to a config file); the service idles');
  }
  const startMs = clock.now();
  const controllers = new Map<string, IntersectionController>(
    models.map((model) => [
      model.id,
      createIntersectionController(model, startMs, {
        strategy: settings.strategy,
        ...(options.priority ? { priority: options.priority } : {}),
        ...(options.health ? { health: options.health } : {}),
      }),
    ]),
  );
  const feed = createPhaseFeed();
  const publisher = createPublisher({
    db,
    bus,
    logger,
    now: () => clock.now(),
    onPhaseChanged: feed.publish,
  });

  // Overrides survive a restart until they expire.
  for (const { intersectionId, override } of await loadOverrides(db)) {
    const controller = controllers.get(intersectionId);
    if (controller && override.expiresAtMs > startMs) controller.setOverride(override, startMs);
  }

  const writeMeasures = (binStartMs: number) => {
    for (const controller of controllers.values()) {
      void publisher.enqueue(async () => {
        const toMs = binStartMs + MEASURE_BIN_MS;
        const [counts, greens] = await Promise.all([
          loadCounts(db, controller.model.id, binStartMs, toMs),
          loadGreens(db, controller.model.id, binStartMs, toMs, toMs),
        ]);
        const result = computeMeasures(controller.model, {
          fromMs: binStartMs,
          toMs,
          binMs: MEASURE_BIN_MS,
          greens,
          counts,
        });
        await upsertMeasureBins(
          db,
          controller.model.id,
          MEASURE_BIN_MS / 1000,
          result.approaches.flatMap((a) => a.bins),
        );
      });
    }
  };

  const runner = createControlRunner({
    controllers,
    clock,
    publisher,
    logger,
    binMs: MEASURE_BIN_MS,
    onBinClosed: writeMeasures,
    ...(options.wakeEveryMs === undefined ? {} : { wakeEveryMs: options.wakeEveryMs }),
  });
  const handleCount = createDetectorIngest({ controllers, db, publisher, clock, logger });
  const handlePosition = createPriorityIngest({
    controllers,
    clock,
    logger,
    ...(options.priority ? { options: options.priority } : {}),
  });
  grpc.addService(
    SignalServiceService,
    createSignalHandlers({ controllers, db, audit, publisher, feed, clock, logger }),
  );

  const subscriptions: Subscription[] = [];
  return {
    async start() {
      subscriptions.push(
        await bus.subscribe({
          group: CONSUMER_GROUPS.detectorCounts,
          topics: [TOPICS.detectorCount],
          fromBeginning: true,
          handler: async (message) => {
            await handleCount(message);
          },
        }),
      );
      // Bus positions matter only while the bus approaches: a restarted service skips the backlog.
      subscriptions.push(
        await bus.subscribe({
          group: CONSUMER_GROUPS.transitPriority,
          topics: [TOPICS.positionMatched],
          fromBeginning: false,
          handler: async (message) => {
            await handlePosition(message);
          },
        }),
      );
      runner.start();
      logger.info({ intersections: controllers.size, strategy: settings.strategy }, 'signal control running');
    },
    async stop() {
      await Promise.all(subscriptions.splice(0).map((subscription) => subscription.stop()));
      await runner.stop();
    },
  };
}

/** The signal service as the mesh runs it (settings from the process environment). */
export const signalService: ServiceDefinition = createSignalService();
