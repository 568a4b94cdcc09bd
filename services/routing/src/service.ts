import { RoutingServiceService } from '@mobility/contracts/routing/v1/service';
import {
  ALL_ROLES,
  definePolicy,
  type ServiceDefinition,
  type Subscription,
  serviceNameOf,
} from '@mobility/runtime';
import { loadRoutingConfig } from './config.js';
import { RealtimeOverlay } from './domain/index.js';
import { PARKING_GROUP, PARKING_TOPIC, ParkingAvailability, subscribeParking } from './events/parking.js';
import { PREDICTIONS_GROUP, PREDICTIONS_TOPIC, subscribePredictions } from './events/predictions.js';
import { loadFeed } from './feed/load.js';
import { loadParkAndRideSites } from './feed/park-and-ride.js';
import { createRoutingHandlers, type RoutingState } from './grpc/handlers.js';

export const ROUTING_GRPC_SERVICE = serviceNameOf(RoutingServiceService);

export interface RoutingServiceOptions {
  /** Where ROUTING_* variables are read; the process environment by default. */
  readonly env?: NodeJS.ProcessEnv;
  /** The clock behind "depart now" and parking freshness. */
  readonly now?: () => Date;
}

/**
 * The routing service: journey planning on a GTFS timetable, with the AVL service's trip
 * predictions and the parking service's occupancy laid over it. It keeps no journeys, no requests
 * and no tables: everything it holds is the timetable and the latest realtime state, in memory.
 */
export function createRoutingService(options: RoutingServiceOptions = {}): ServiceDefinition {
  return {
    name: 'routing',
    description: 'journey planning (RAPTOR on GTFS) with realtime predictions and park-and-ride',
    publishes: [],
    consumes: [PREDICTIONS_TOPIC, PARKING_TOPIC],
    // Planning is public information, and GetFeedInfo says what the plans are based on.
    accessPolicy: definePolicy({ PlanJourney: ALL_ROLES, GetFeedInfo: ALL_ROLES }),
    async create({ bus, grpc, logger }) {
      const config = loadRoutingConfig(options.env ?? process.env);
      const sites = config.ROUTING_PARK_AND_RIDE
        ? await loadParkAndRideSites(config.ROUTING_PARK_AND_RIDE)
        : [];
      const feed = config.ROUTING_GTFS
        ? await loadFeed(config.ROUTING_GTFS, { footpathRadiusM: config.ROUTING_FOOTPATH_RADIUS_M }, logger)
        : undefined;
      if (!feed) {
        logger.warn(
          'ROUTING_GTFS is not set: running without a timetable (RoutingService NOT_SERVING, PlanJourney answers FAILED_PRECONDITION)',
        );
      }
      if (sites.length === 0) logger.info('no park-and-ride car parks configured (ROUTING_PARK_AND_RIDE)');
      const overlay = feed ? new RealtimeOverlay(feed.timetable) : undefined;
      const parking = new ParkingAvailability(sites, config.ROUTING_PARKING_STALE_AFTER_MIN * 60_000);
      const state: RoutingState = {
        feed,
        overlay,
        parking,
        searchWindowMinutes: config.ROUTING_SEARCH_WINDOW_MIN,
        now: options.now ?? (() => new Date()),
      };
      grpc.addService(RoutingServiceService, createRoutingHandlers(state, logger));
      const groupOf = (group: string) =>
        config.ROUTING_REPLICA_ID ? `${group}.${config.ROUTING_REPLICA_ID}` : group;
      const subscriptions: Subscription[] = [];

      return {
        async start() {
          // The server marked everything SERVING when it bound; without a timetable, say otherwise
          // for RoutingService so clients and probes checking it by name route elsewhere.
          if (!feed) grpc.setStatus(ROUTING_GRPC_SERVICE, 'NOT_SERVING');
          subscriptions.push(await subscribeParking(bus, parking, { group: groupOf(PARKING_GROUP), logger }));
          if (overlay && feed) {
            subscriptions.push(
              await subscribePredictions(bus, overlay, {
                timeZone: feed.timetable.summary.timeZone,
                group: groupOf(PREDICTIONS_GROUP),
                logger,
                // The same clock as "depart now": retention keeps yesterday..tomorrow by it.
                now: () => state.now().getTime(),
              }),
            );
          }
        },
        async stop() {
          for (const subscription of subscriptions.splice(0).reverse()) await subscription.stop();
        },
      };
    },
  };
}

/** The service as the mesh and main.ts run it: configured from the process environment. */
export const routingService: ServiceDefinition = createRoutingService();
