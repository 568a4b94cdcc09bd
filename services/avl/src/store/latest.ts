/**
 * Latest state in hot state (Redis in real mode, memory embedded): each vehicle's VehicleState and
 * each trip run's latest TripPrediction, protobuf-encoded, with a TTL so vehicles that stop
 * reporting fade away without a sweeper. Every replica answers gRPC queries from here.
 */
import type { TripPrediction } from '@mobility/contracts/avl/v1/events';
import { TripPrediction as TripPredictionCodec } from '@mobility/contracts/avl/v1/events';
import { VehicleState } from '@mobility/contracts/avl/v1/service';
import type { HotState } from '@mobility/runtime';

const VEHICLE_PREFIX = 'vehicle:';
const TRIP_PREFIX = 'trip:';
/** A vehicle silent this long is gone from queries (the position table keeps its history). */
export const VEHICLE_TTL_S = 2 * 3600;
/** Predictions of a trip run stay queryable this long after their last update. */
export const PREDICTION_TTL_S = 3 * 3600;

export const tripKey = (tripId: string, startDate: string) => `${TRIP_PREFIX}${tripId}:${startDate}`;

export interface LatestStore {
  putVehicle(state: VehicleState): Promise<void>;
  getVehicle(vehicleId: string): Promise<VehicleState | undefined>;
  listVehicles(): Promise<VehicleState[]>;
  putPredictions(predictions: readonly TripPrediction[]): Promise<void>;
  /** The run's latest prediction; with an empty startDate, the latest issued among its runs. */
  getPrediction(tripId: string, startDate: string): Promise<TripPrediction | undefined>;
}

export function createLatestStore(hotState: HotState): LatestStore {
  return {
    async putVehicle(state) {
      await hotState.set(`${VEHICLE_PREFIX}${state.vehicleId}`, VehicleState.encode(state).finish(), {
        ttlSeconds: VEHICLE_TTL_S,
      });
    },
    async getVehicle(vehicleId) {
      const bytes = await hotState.get(`${VEHICLE_PREFIX}${vehicleId}`);
      return bytes ? VehicleState.decode(bytes) : undefined;
    },
    async listVehicles() {
      const keys = await hotState.keys(VEHICLE_PREFIX);
      const values = await hotState.getMany(keys);
      return values
        .filter((bytes): bytes is Buffer => bytes !== undefined)
        .map((bytes) => VehicleState.decode(bytes))
        .sort((a, b) => (a.vehicleId < b.vehicleId ? -1 : a.vehicleId > b.vehicleId ? 1 : 0));
    },
    async putPredictions(predictions) {
      await Promise.all(
        predictions
          .filter((prediction) => prediction.trip)
          .map((prediction) =>
            hotState.set(
              tripKey(prediction.trip?.tripId ?? '', prediction.trip?.startDate ?? ''),
              TripPredictionCodec.encode(prediction).finish(),
              { ttlSeconds: PREDICTION_TTL_S },
            ),
          ),
      );
    },
    async getPrediction(tripId, startDate) {
      if (startDate) {
        const bytes = await hotState.get(tripKey(tripId, startDate));
        return bytes ? TripPredictionCodec.decode(bytes) : undefined;
      }
      const keys = await hotState.keys(`${TRIP_PREFIX}${tripId}:`);
      const values = (await hotState.getMany(keys))
        .filter((bytes): bytes is Buffer => bytes !== undefined)
        .map((bytes) => TripPredictionCodec.decode(bytes));
      return values.sort(
        (a, b) => (b.meta?.occurredAt?.getTime() ?? 0) - (a.meta?.occurredAt?.getTime() ?? 0),
      )[0];
    },
  };
}
