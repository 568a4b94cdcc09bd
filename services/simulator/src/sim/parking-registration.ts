import { Facility } from '@mobility/contracts/parking/v1/facility';
import { ParkingServiceClient, type UpsertFacilityResponse } from '@mobility/contracts/parking/v1/service';
import { createClient, issueToken } from '@mobility/runtime';
import type { CarPark } from '../domain/car-parks.js';
import { facilityJson } from './world.js';

/**
 * Registers the simulated car parks with the parking service the way an operator would: through
 * its gRPC UpsertFacility with an operator token and a reason, so each lands in its audit log.
 * Idempotent (same id, same description), so a restarted simulation re-registers harmlessly.
 */
export async function registerCarParks(input: {
  address: string;
  authSecret: string;
  carParks: readonly CarPark[];
  timeZone: string;
}): Promise<number> {
  if (input.carParks.length === 0) return 0;
  const token = await issueToken(
    { subject: 'simulation', role: 'operator', ttlSeconds: 600 },
    input.authSecret,
  );
  const client = createClient(ParkingServiceClient, input.address, { defaultDeadlineMs: 10_000, token });
  try {
    let created = 0;
    for (const carPark of input.carParks) {
      const response = await new Promise<UpsertFacilityResponse>((resolve, reject) =>
        client.upsertFacility(
          {
            facility: Facility.fromJSON(facilityJson(carPark, input.timeZone)),
            change: {
              reason: 'simulated city: car park registered by the built-in simulation',
              ticketRef: '',
              idempotencyKey: `simulation-${carPark.id}`,
            },
          },
          (error, value) => (error ? reject(error) : resolve(value)),
        ),
      );
      if (response.created) created++;
    }
    return created;
  } finally {
    client.close();
  }
}
