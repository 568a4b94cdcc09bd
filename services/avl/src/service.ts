import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { TripPrediction, VehiclePositionMatched } from '@mobility/contracts/avl/v1/events';
import { AvlServiceService } from '@mobility/contracts/avl/v1/service';
import { type GtfsFeed, type GtfsIssue, readGtfsFile } from '@mobility/gtfs';
import { ALL_ROLES, definePolicy, type ServiceDefinition, type Subscription } from '@mobility/runtime';
import type { KnownIds } from './domain/alerts.js';
import {
  buildTransitNetwork,
  createHeadwayMonitor,
  createTracker,
  type TransitNetwork,
} from './domain/index.js';
import {
  createPingValidator,
  DEFAULT_LIMITS,
  serviceAreaAround,
  type ValidationLimits,
} from './domain/validation.js';
import { registerFeeds } from './feeds/http.js';
import { createFeedState } from './feeds/state.js';
import { createAvlHandlers, createPositionFanout } from './grpc/handlers.js';
import { registerPingEndpoint } from './ingest/http.js';
import { createPingPipeline, type HeadwayPort, TOPICS, type TrackerPort } from './ingest/pipeline.js';
import { createVehiclePositionsPoller, type Poller } from './ingest/poller.js';
import { createRejectionSink, REJECTED_TOPIC } from './ingest/rejections.js';
import type { TripStartLookup } from './mapping.js';
import { liveAlerts } from './store/alerts.js';
import { saveGtfsSummary } from './store/gtfs.js';
import { createLatestStore } from './store/latest.js';

export const AVL_GRPC_SERVICE = 'mobility.avl.v1.AvlService';

/** Everyone reads; only operators publish or withdraw rider-facing alerts (audited, with a reason). */
export const avlAccessPolicy = definePolicy({
  GetVehicle: ALL_ROLES,
  ListVehicles: ALL_ROLES,
  GetTripPredictions: ALL_ROLES,
  StreamPositions: ALL_ROLES,
  ListServiceAlerts: ALL_ROLES,
  CreateServiceAlert: ['operator'],
  DeleteServiceAlert: ['operator'],
});

/** Consumer group of the raw-ping pipeline (one per deployment; replicas share the partitions). */
export const INGEST_GROUP = 'avl.ingest';

export interface AvlOptions {
  /** Static GTFS zip; without one the service runs, reports NOT_SERVING and publishes empty feeds. */
  gtfsPath?: string;
  /** A vendor's GTFS-rt VehiclePositions feed to poll. */
  pollUrl?: string;
  pollIntervalMs?: number;
  /** Consumer group of the raw-ping pipeline (tests and benches use their own). */
  ingestGroup?: string;
  /** Where a new ingest group starts: the retained backlog (default) or only new pings. */
  ingestFromBeginning?: boolean;
  /** Overrides of the validation limits (the service area comes from the feed). */
  limits?: Partial<ValidationLimits>;
}

/** Reads AVL_GTFS, AVL_VP_POLL_URL and AVL_VP_POLL_INTERVAL_S; a bad value names the variable. */
export function avlOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): AvlOptions {
  const options: AvlOptions = {};
  const gtfs = env.AVL_GTFS?.trim();
  if (gtfs) options.gtfsPath = gtfs;
  const url = env.AVL_VP_POLL_URL?.trim();
  if (url) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(url);
    } catch {
      parsed = undefined;
    }
    if (!parsed || !['http:', 'https:'].includes(parsed.protocol))
      throw new Error('AVL_VP_POLL_URL must be an http(s) URL');
    options.pollUrl = parsed.toString();
  }
  const interval = env.AVL_VP_POLL_INTERVAL_S?.trim();
  if (interval) {
    const seconds = Number(interval);
    if (!Number.isFinite(seconds) || seconds < 1 || seconds > 3600)
      throw new Error('AVL_VP_POLL_INTERVAL_S must be a number of seconds between 1 and 3600');
    options.pollIntervalMs = seconds * 1000;
  }
  return options;
}

/** The loaded static feed and what was wrong with it. */
export interface GtfsStatus {
  path?: string;
  loaded: boolean;
  contentHash?: string;
  loadedAtMs?: number;
  counts?: { routes: number; trips: number; stops: number; stopTimes: number };
  /** Reading errors (the file cannot be opened or is not a zip), never thrown. */
  error?: string;
  issues: GtfsIssue[];
}

const MAX_ISSUES_SHOWN = 1000;
const LEARNING_SAVE_MS = 5 * 60_000;
const LEARNING_TTL_S = 30 * 24 * 3600;

export function createAvlService(options: AvlOptions = {}): ServiceDefinition {
  return {
    name: 'avl',
    description: 'bus positions, trip matching, predictions, headway alerts and GTFS-realtime feeds',
    publishes: [TOPICS.matched, TOPICS.prediction, TOPICS.headway, REJECTED_TOPIC],
    consumes: [TOPICS.raw, TOPICS.matched, TOPICS.prediction],
    migrationsDir: fileURLToPath(new URL('../migrations/', import.meta.url)),
    accessPolicy: avlAccessPolicy,
    create({ bus, db, hotState, grpc, http, audit, verifier, logger, clock }) {
      let limits: ValidationLimits = { ...DEFAULT_LIMITS, ...options.limits };
      let domain:
        | { tracker: TrackerPort; headway: HeadwayPort; trips: TripStartLookup; network: TransitNetwork }
        | undefined;
      let knownIds: KnownIds | undefined;
      // Learned travel and dwell times survive restarts (per static feed version) in hot state;
      // losing them only means learning again from the schedule.
      let learningKey: string | undefined;
      let saveLearning: (() => Promise<void>) | undefined;
      const gtfs: GtfsStatus = {
        loaded: false,
        issues: [],
        ...(options.gtfsPath ? { path: options.gtfsPath } : {}),
      };

      const feeds = createFeedState();
      const latest = createLatestStore(hotState);
      const rejections = createRejectionSink({ bus, clock, logger });
      const validator = createPingValidator(() => limits);
      const fanout = createPositionFanout();
      const pipeline = createPingPipeline({
        db,
        bus,
        clock,
        logger,
        latest,
        feeds,
        rejections,
        validator,
        domain: () => domain,
      });
      const reloadAlerts = async () => feeds.setAlerts(await liveAlerts(db));

      grpc.addService(
        AvlServiceService,
        createAvlHandlers({
          db,
          latest,
          audit,
          clock,
          logger,
          fanout,
          knownIds: () => knownIds,
          alertsChanged: reloadAlerts,
        }),
      );
      registerFeeds(http, { state: feeds, clock });
      registerPingEndpoint(http, { bus, clock, verifier, rejections, limits: () => limits });
      http.get('/avl/gtfs-issues', async (request) => {
        const { file } = request.query as { file?: string };
        const issues = file ? gtfs.issues.filter((issue) => issue.file === file) : gtfs.issues;
        return {
          ...gtfs,
          issues: issues.slice(0, MAX_ISSUES_SHOWN),
          total_issues: issues.length,
        };
      });
      http.get('/avl/status', async () => ({
        gtfs: {
          loaded: gtfs.loaded,
          path: gtfs.path,
          counts: gtfs.counts,
          error: gtfs.error,
          issues: gtfs.issues.length,
        },
        vehicles: feeds.positions().length,
        accepted: rejections.acceptedCount(),
        rejected: rejections.counts(),
      }));

      async function loadGtfs(path: string): Promise<void> {
        let feed: GtfsFeed;
        try {
          feed = await readGtfsFile(path);
        } catch (error) {
          gtfs.error = `cannot read ${path}: ${(error as Error).message}`;
          logger.error(
            { path, err: error },
            'AVL_GTFS could not be read; the service runs without a network',
          );
          return;
        }
        const network = buildTransitNetwork(feed);
        gtfs.issues = [...feed.issues, ...network.issues];
        gtfs.contentHash = feed.contentHash;
        gtfs.loadedAtMs = clock.now();
        gtfs.counts = {
          routes: feed.routes.length,
          trips: feed.trips.length,
          stops: feed.stops.length,
          stopTimes: feed.stopTimes.length,
        };
        for (const issue of gtfs.issues.slice(0, 20)) logger.warn({ gtfs: issue }, 'GTFS feed issue');
        if (gtfs.issues.length > 20)
          logger.warn({ total: gtfs.issues.length }, 'more GTFS feed issues at /avl/gtfs-issues');
        const area = serviceAreaAround(
          [...network.stops.values()].map((stop) => ({ lat: stop.stopLat, lon: stop.stopLon })),
        );
        limits = { ...limits, ...(area ? { serviceArea: area } : {}) };
        knownIds = {
          routes: new Set(network.routes.keys()),
          stops: new Set(network.stops.keys()),
          trips: new Set(network.trips.keys()),
        };
        const tracker = createTracker(network);
        learningKey = `learning:${feed.contentHash}`;
        try {
          const saved = await hotState.getString(learningKey);
          if (saved) tracker.importLearning(JSON.parse(saved));
        } catch (error) {
          logger.warn({ err: error }, 'saved travel-time learning could not be restored; learning afresh');
        }
        saveLearning = async () => {
          if (learningKey)
            await hotState.set(learningKey, JSON.stringify(tracker.exportLearning()), {
              ttlSeconds: LEARNING_TTL_S,
            });
        };
        domain = {
          tracker,
          headway: createHeadwayMonitor(network),
          trips: { startSecondsOf: (tripId) => network.trips.get(tripId)?.startS },
          network,
        };
        gtfs.loaded = true;
        try {
          await saveGtfsSummary(db, feed, gtfs.issues, new Date(gtfs.loadedAtMs));
        } catch (error) {
          logger.error({ err: error }, 'GTFS summary tables could not be written; matching runs anyway');
        }
        logger.info(
          { path, ...gtfs.counts, issues: gtfs.issues.length },
          'static GTFS loaded into the AVL network',
        );
      }

      const subscriptions: Subscription[] = [];
      let poller: Poller | undefined;
      let expiry: NodeJS.Timeout | undefined;
      let alertRefresh: NodeJS.Timeout | undefined;
      let learningSave: NodeJS.Timeout | undefined;
      return {
        async start() {
          if (options.gtfsPath) await loadGtfs(options.gtfsPath);
          if (!gtfs.loaded) {
            grpc.setStatus(AVL_GRPC_SERVICE, 'NOT_SERVING');
            if (!options.gtfsPath)
              logger.warn('AVL_GTFS is not set: no network to match on, feeds stay empty');
          }
          await reloadAlerts();
          // Every replica keeps the whole fleet's feeds and streams: its own group, only new events.
          subscriptions.push(
            await bus.subscribe({
              group: `avl.feeds-${randomBytes(4).toString('hex')}`,
              topics: [TOPICS.matched, TOPICS.prediction],
              fromBeginning: false,
              maxAttempts: 1,
              handler: async (message) => {
                if (message.topic === TOPICS.matched) {
                  const position = VehiclePositionMatched.decode(message.value);
                  feeds.applyPosition(position);
                  fanout.publish(position);
                } else {
                  feeds.applyPrediction(TripPrediction.decode(message.value));
                }
              },
            }),
          );
          subscriptions.push(
            await bus.subscribe({
              group: options.ingestGroup ?? INGEST_GROUP,
              topics: [TOPICS.raw],
              fromBeginning: options.ingestFromBeginning ?? true,
              concurrency: 3,
              handler: async (message) => {
                await pipeline.handle(message);
              },
            }),
          );
          if (options.pollUrl) {
            poller = createVehiclePositionsPoller({
              url: options.pollUrl,
              intervalMs: options.pollIntervalMs ?? 15_000,
              bus,
              clock,
              logger,
              rejections,
              limits: () => limits,
            });
            poller.start();
          }
          expiry = setInterval(() => pipeline.expire(clock.now()), 30_000);
          expiry.unref();
          alertRefresh = setInterval(() => {
            reloadAlerts().catch((error: unknown) =>
              logger.warn({ err: error }, 'service alerts reload failed'),
            );
          }, 30_000);
          alertRefresh.unref();
          learningSave = setInterval(() => {
            saveLearning?.().catch((error: unknown) =>
              logger.warn({ err: error }, 'saving travel-time learning failed'),
            );
          }, LEARNING_SAVE_MS);
          learningSave.unref();
        },
        async stop() {
          if (expiry) clearInterval(expiry);
          if (alertRefresh) clearInterval(alertRefresh);
          if (learningSave) clearInterval(learningSave);
          await poller?.stop();
          await Promise.all(subscriptions.splice(0).map((subscription) => subscription.stop()));
          await saveLearning?.().catch((error: unknown) =>
            logger.warn({ err: error }, 'saving travel-time learning failed'),
          );
        },
      };
    },
  };
}

/** The AVL service as configured by the environment (AVL_GTFS, AVL_VP_POLL_URL, AVL_VP_POLL_INTERVAL_S). */
export const avlService: ServiceDefinition = {
  ...createAvlService(),
  create(context) {
    return createAvlService(avlOptionsFromEnv()).create(context);
  },
};
