import type {
  GetFeedInfoResponse,
  PlanJourneyResponse,
  RoutingServiceServer,
} from '@mobility/contracts/routing/v1/service';
import { FailedPreconditionError, type Logger } from '@mobility/runtime';
import { planJourneys, type RealtimeOverlay } from '../domain/index.js';
import type { ParkingAvailability } from '../events/parking.js';
import type { LoadedFeed } from '../feed/load.js';
import { routingUnary } from './errors.js';
import { notice, selectItineraries, toItinerary, toPlanInput } from './mapping.js';

/** What the handlers read; the feed is absent when the service runs without ROUTING_GTFS. */
export interface RoutingState {
  readonly feed: LoadedFeed | undefined;
  readonly overlay: RealtimeOverlay | undefined;
  readonly parking: ParkingAvailability;
  readonly searchWindowMinutes: number;
  readonly now: () => Date;
}

export const NO_TIMETABLE_MESSAGE =
  'no timetable loaded: the routing service runs without a GTFS feed (set ROUTING_GTFS)';

export function createRoutingHandlers(state: RoutingState, logger: Logger): RoutingServiceServer {
  return {
    planJourney: routingUnary(async (request): Promise<PlanJourneyResponse> => {
      const { feed, overlay } = state;
      if (!feed) throw new FailedPreconditionError(NO_TIMETABLE_MESSAGE);
      const now = state.now();
      const input = toPlanInput(request, {
        timetable: feed.timetable,
        now,
        searchWindowMinutes: state.searchWindowMinutes,
        parkAndRide: (requireFreeSpace) => state.parking.available(now, requireFreeSpace),
      });
      const found = input.searches.flatMap((search) =>
        planJourneys(feed.timetable, search.request, overlay).map((itinerary) => ({
          day: search.day,
          itinerary,
        })),
      );
      const { kept, notices } = selectItineraries(found, input);
      const unknownOccupancy = new Set(
        kept.flatMap((entry) =>
          entry.itinerary.legs.flatMap((leg) =>
            leg.mode === 'drive' && leg.expectedFreeSpaces === undefined ? [leg.facilityId] : [],
          ),
        ),
      );
      for (const facilityId of unknownOccupancy) {
        notices.push(
          notice(
            'park_and_ride_occupancy_unknown',
            `no recent occupancy for car park ${facilityId}: expected_free_on_arrival 0 means unknown here`,
          ),
        );
      }
      const newest = request.ignoreRealtime ? undefined : overlay?.newestTimestamp;
      return {
        itineraries: kept.map((entry) =>
          toItinerary(entry.itinerary, entry.day, {
            origin: input.originName,
            destination: input.destinationName,
          }),
        ),
        notices: [...input.notices, ...notices],
        realtimeAsOf: newest === undefined ? undefined : new Date(newest),
        feedVersion: feed.timetable.summary.feedVersion,
      };
    }, logger),

    getFeedInfo: routingUnary(async (): Promise<GetFeedInfoResponse> => {
      const { feed, overlay } = state;
      const newest = overlay?.newestTimestamp;
      const summary = feed?.timetable.summary;
      const stats = feed?.timetable.stats;
      return {
        publisher: summary?.publisher ?? '',
        feedVersion: summary?.feedVersion ?? '',
        serviceStartDate: summary?.serviceStartDate ?? '',
        serviceEndDate: summary?.serviceEndDate ?? '',
        timeZone: summary?.timeZone ?? '',
        loadedAt: feed?.loadedAt,
        stopCount: stats?.stops ?? 0,
        routeCount: stats?.routes ?? 0,
        tripCount: stats?.trips ?? 0,
        realtimeUpdatedAt: newest === undefined ? undefined : new Date(newest),
        realtimeTripCount: overlay?.tripCount ?? 0,
        parkAndRideCount: state.parking.siteCount,
      };
    }, logger),
  };
}
