import { Metadata } from '@grpc/grpc-js';
import {
  BayCategory,
  Facility,
  FacilityKind,
  OccupancySource,
} from '@mobility/contracts/parking/v1/facility';
import {
  type FindAvailableRequest,
  type FindAvailableResponse,
  type GetForecastRequest,
  type GetForecastResponse,
  type GetOccupancyHistoryRequest,
  type GetOccupancyHistoryResponse,
  type GetOccupancyRequest,
  type GetOccupancyResponse,
  type ListFacilitiesRequest,
  type ListFacilitiesResponse,
  ParkingServiceClient,
  type UpsertFacilityRequest,
  type UpsertFacilityResponse,
} from '@mobility/contracts/parking/v1/service';
import { durationFromMs } from '@mobility/contracts/wkt';
import {
  connectInfrastructure,
  createClient,
  type Infrastructure,
  issueToken,
  type Logger,
  loadConfig,
  type Role,
  type RunningService,
  startService,
  withInfrastructure,
} from '@mobility/runtime';
import { collectMessages } from '@mobility/runtime/testing';
import { parkingService } from '../../src/service.js';

export { recordingLogger, waitFor } from '@mobility/runtime/testing';

export interface ParkingHarness {
  infrastructure: Infrastructure;
  service: RunningService;
  client(role: Role, subject?: string): Promise<ParkingServiceClient>;
  close(): Promise<void>;
}

export async function bootParking(
  variables: Record<string, string>,
  logger: Logger,
): Promise<ParkingHarness> {
  const infrastructure = await connectInfrastructure(loadConfig(withInfrastructure({}), variables), {
    clientId: 'parking-test',
    logger,
  });
  const service = await startService(
    parkingService,
    infrastructure,
    { host: '127.0.0.1', grpcPort: 0, httpPort: 0 },
    logger,
  );
  const clients: ParkingServiceClient[] = [];
  return {
    infrastructure,
    service,
    async client(role, subject = `${role}@test`) {
      const token = await issueToken({ subject, role, ttlSeconds: 600 }, infrastructure.auth.secret);
      const client = createClient(ParkingServiceClient, `127.0.0.1:${service.grpcPort}`, {
        defaultDeadlineMs: 10_000,
        token,
      });
      clients.push(client);
      return client;
    },
    async close() {
      for (const client of clients) client.close();
      await service.stop();
      await infrastructure.close();
    },
  };
}

interface Unary {
  listFacilities: [ListFacilitiesRequest, ListFacilitiesResponse];
  upsertFacility: [UpsertFacilityRequest, UpsertFacilityResponse];
  getOccupancy: [GetOccupancyRequest, GetOccupancyResponse];
  getForecast: [GetForecastRequest, GetForecastResponse];
  findAvailable: [FindAvailableRequest, FindAvailableResponse];
  getOccupancyHistory: [GetOccupancyHistoryRequest, GetOccupancyHistoryResponse];
}
type UnaryMethod = keyof Unary;
type RequestOf<M extends UnaryMethod> = Unary[M][0];
type ResponseOf<M extends UnaryMethod> = Unary[M][1];

/** Calls a unary method of the client as a promise, typed by the method's name. */
export function call<M extends UnaryMethod>(
  client: ParkingServiceClient,
  method: M,
  request: RequestOf<M>,
): Promise<ResponseOf<M>> {
  return new Promise((resolve, reject) => {
    const invoke = client[method] as unknown as (
      request: RequestOf<M>,
      metadata: Metadata,
      callback: (error: Error | null, response: ResponseOf<M>) => void,
    ) => unknown;
    invoke.call(client, request, new Metadata(), (error, response) =>
      error ? reject(error) : resolve(response),
    );
  });
}

export const money = (currencyCode: string, amountMinor: number) => ({ currencyCode, amountMinor });

/** A garage near Birmingham New Street with accessible and EV bays and a stepped tariff. */
export function garage(facilityId: string, overrides: Partial<Facility> = {}): Facility {
  return Facility.fromPartial({
    facilityId,
    name: `Garage ${facilityId}`,
    kind: FacilityKind.GARAGE,
    location: { lat: 52.4778, lon: -1.8989 },
    capacity: 100,
    capacityByCategory: [
      { category: BayCategory.ACCESSIBLE, capacity: 6 },
      { category: BayCategory.EV_CHARGING, capacity: 4 },
    ],
    pricing: {
      steps: [
        { maxStay: durationFromMs(3_600_000), price: money('GBP', 300) },
        { maxStay: durationFromMs(4 * 3_600_000), price: money('GBP', 900) },
      ],
    },
    occupancySource: OccupancySource.FACILITY_SYSTEM,
    timeZone: 'Europe/London',
    ...overrides,
  });
}

/** Collects what arrives on topics of the harness's bus through a throw-away consumer group. */
export const collect = (infrastructure: Infrastructure, topics: string[], group: string) =>
  collectMessages(infrastructure.bus, topics, group);
