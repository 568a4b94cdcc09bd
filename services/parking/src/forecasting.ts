/**
 * Forecast wiring: a facility's stored history (15-minute means) plus its latest live reading, fed
 * to the forecasting module. One forecaster per time zone is kept, because seasonality is by local
 * weekday and time of day, and the forecaster caches its daily fit per facility history.
 */
import type { Facility } from '@mobility/contracts/parking/v1/facility';
import {
  createForecaster,
  type Forecast,
  type Forecaster,
  type OccupancyObservation,
} from './domain/forecast/index.js';
import type { Queryable } from './store/db.js';
import { forecastHistory } from './store/history.js';
import type { LiveStore } from './store/live.js';

export const DEFAULT_HORIZONS_MINUTES = [15, 30, 60, 120] as const;

export interface FacilityForecaster {
  /** Forecasts at each horizon from `issuedAt`; empty when the facility has no history yet. */
  forecast(facility: Facility, issuedAt: number, horizonsMinutes: readonly number[]): Promise<Forecast[]>;
}

export function createFacilityForecaster(db: Queryable, live: LiveStore): FacilityForecaster {
  const forecasters = new Map<string, Forecaster>();
  const forecasterFor = (timeZone: string): Forecaster => {
    const zone = validZone(timeZone) ? timeZone : 'UTC';
    let forecaster = forecasters.get(zone);
    if (!forecaster) {
      forecaster = createForecaster({ timeZone: zone });
      forecasters.set(zone, forecaster);
    }
    return forecaster;
  };
  return {
    async forecast(facility, issuedAt, horizonsMinutes) {
      const history: OccupancyObservation[] = await forecastHistory(
        db,
        facility.facilityId,
        new Date(issuedAt),
      );
      // Bucket means are stamped at their newest reading, which may be older than the live one: add it.
      const current = await live.get(facility.facilityId);
      if (
        current &&
        current.observedAt <= issuedAt &&
        current.observedAt > (history.at(-1)?.at ?? -Infinity)
      ) {
        history.push({ at: current.observedAt, occupied: current.occupied, capacity: current.capacity });
      }
      if (history.length === 0) return [];
      return forecasterFor(facility.timeZone).forecast(history, issuedAt, horizonsMinutes);
    },
  };
}

function validZone(timeZone: string): boolean {
  if (timeZone === '') return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone });
    return true;
  } catch {
    return false;
  }
}
