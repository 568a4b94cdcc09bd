/**
 * Open data as FIWARE Smart Data Models (dataModel.Parking) in NGSI-LD normalized form: each
 * attribute is a Property / GeoProperty / Relationship object, measured values carry observedAt.
 * Off-street facilities are OffStreetParking, on-street zones OnStreetParking, sensed bays
 * ParkingSpot. Attribute names follow the models' schemas (totalSpotNumber, availableSpotNumber,
 * occupiedSpotNumber, occupancy, occupancyModified, status, category, ...).
 */
import {
  BayCategory,
  type Facility,
  FacilityKind,
  OccupancySource,
} from '@mobility/contracts/parking/v1/facility';
import { bandOf, tariffOf } from './facility.js';
import { Level, type LiveOccupancy, levelOf } from './occupancy.js';
import { hourlyRate } from './pricing.js';

export const NGSI_LD_CONTEXT = [
  'https://raw.githubusercontent.com/smart-data-models/dataModel.Parking/master/context.jsonld',
  'https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.8.jsonld',
] as const;

export type ParkingSiteType = 'OffStreetParking' | 'OnStreetParking';

export interface BayStatus {
  bayId: string;
  state: 'occupied' | 'free' | 'fault';
  category: number;
  observedAt: number;
}

type Property = { type: 'Property'; value: unknown; observedAt?: string };
type Entity = Record<string, unknown> & { id: string; type: string; '@context'?: readonly string[] };

const iso = (ms: number) => new Date(ms).toISOString();
const property = (value: unknown, observedAt?: number): Property =>
  observedAt === undefined
    ? { type: 'Property', value }
    : { type: 'Property', value, observedAt: iso(observedAt) };
const dateTime = (ms: number) => ({ type: 'Property', value: { '@type': 'DateTime', '@value': iso(ms) } });

export function siteTypeOf(facility: Facility): ParkingSiteType {
  return facility.kind === FacilityKind.ON_STREET_ZONE ? 'OnStreetParking' : 'OffStreetParking';
}

/** NGSI-LD ids are URIs: the facility id is percent-encoded so any id yields a valid one. */
export function siteId(facility: Facility): string {
  return `urn:ngsi-ld:${siteTypeOf(facility)}:${encodeURIComponent(facility.facilityId)}`;
}

export function spotId(facilityId: string, bayId: string): string {
  return `urn:ngsi-ld:ParkingSpot:${encodeURIComponent(facilityId)}:${encodeURIComponent(bayId)}`;
}

const DETECTION: Record<number, string> = {
  [OccupancySource.BAY_SENSORS]: 'singleSpaceDetection',
  [OccupancySource.GATE_COUNTS]: 'balancing',
  [OccupancySource.FACILITY_SYSTEM]: 'balancing',
  [OccupancySource.SURVEY]: 'manual',
  [OccupancySource.MODEL]: 'modelBased',
};

function categories(facility: Facility): string[] {
  const list: string[] = [];
  if (facility.kind === FacilityKind.GARAGE) list.push('parkingGarage');
  if (facility.kind === FacilityKind.SURFACE_LOT || facility.kind === FacilityKind.PARK_AND_RIDE)
    list.push('parkingLot');
  list.push(facility.pricing?.free ? 'free' : 'feeCharged');
  const has = (category: BayCategory) =>
    facility.capacityByCategory.some((entry) => entry.category === category && entry.capacity > 0);
  if (has(BayCategory.ACCESSIBLE)) list.push('forDisabled');
  if (has(BayCategory.EV_CHARGING)) list.push('forElectricalCharging');
  return list;
}

/** DATEX II-style status from the band: full, almost full above the target, else spaces available. */
function statusOf(occupancy: LiveOccupancy, facility: Facility): string {
  const level = levelOf(occupancy.occupied, occupancy.capacity, bandOf(facility));
  if (level === Level.FULL) return 'full';
  if (level === Level.HIGH) return 'almostFull';
  return 'spacesAvailable';
}

/** One parking site entity; occupancy attributes are present only once something was observed. */
export function toParkingSite(
  facility: Facility,
  occupancy: LiveOccupancy | undefined,
  options: { bays?: readonly BayStatus[]; withContext?: boolean } = {},
): Entity {
  const location = facility.location ?? { lat: 0, lon: 0 };
  const entity: Entity = {
    id: siteId(facility),
    type: siteTypeOf(facility),
    name: property(facility.name),
    location: { type: 'GeoProperty', value: { type: 'Point', coordinates: [location.lon, location.lat] } },
    category: property(categories(facility)),
    allowedVehicleType: property(['car']),
  };
  const detection = DETECTION[facility.occupancySource];
  if (detection && siteTypeOf(facility) === 'OffStreetParking')
    entity.occupancyDetectionType = property([detection]);
  if (facility.maxHeightM !== undefined) entity.maximumAllowedHeight = property(facility.maxHeightM);
  if (facility.kind === FacilityKind.PARK_AND_RIDE) entity.usageScenario = property(['parkAndRide']);
  const tariff = tariffOf(facility);
  const perHour = tariff.free ? 0 : hourlyRate(tariff);
  if (perHour !== undefined && (tariff.free || tariff.currency !== '')) {
    // Minor units per hour to major units per minute, the model's unit.
    entity.priceRatePerMinute = property(perHour / 100 / 60);
    if (tariff.currency) entity.priceCurrency = property(tariff.currency);
  }
  if (occupancy) {
    const at = occupancy.observedAt;
    entity.totalSpotNumber = property(occupancy.capacity, at);
    entity.availableSpotNumber = property(occupancy.capacity - occupancy.occupied, at);
    entity.occupiedSpotNumber = property(occupancy.occupied, at);
    entity.occupancy = property(occupancy.capacity > 0 ? occupancy.occupied / occupancy.capacity : 0, at);
    entity.occupancyModified = dateTime(at);
    entity.status = property([statusOf(occupancy, facility)], at);
  } else {
    entity.totalSpotNumber = property(facility.capacity);
  }
  if (options.bays && options.bays.length > 0) {
    entity.refParkingSpot = {
      type: 'Relationship',
      object: options.bays.map((bay) => spotId(facility.facilityId, bay.bayId)),
    };
  }
  const modified = Math.max(occupancy?.observedAt ?? 0, facility.lastChanged?.changedAt?.getTime() ?? 0);
  if (modified > 0) entity.dateModified = dateTime(modified);
  if (options.withContext) entity['@context'] = NGSI_LD_CONTEXT;
  return entity;
}

const SPOT_STATUS: Record<BayStatus['state'], string> = {
  occupied: 'occupied',
  free: 'free',
  fault: 'unknown',
};

/**
 * A sensed bay. Its location is the facility's: the contract has no per-bay position, and the model
 * requires one, so the site's point is the honest approximation (documented in the README).
 */
export function toParkingSpot(
  facility: Facility,
  bay: BayStatus,
  options: { withContext?: boolean } = {},
): Entity {
  const location = facility.location ?? { lat: 0, lon: 0 };
  const entity: Entity = {
    id: spotId(facility.facilityId, bay.bayId),
    type: 'ParkingSpot',
    name: property(bay.bayId),
    status: property(SPOT_STATUS[bay.state], bay.observedAt),
    category: property([siteTypeOf(facility) === 'OnStreetParking' ? 'onStreet' : 'offStreet']),
    refParkingSite: { type: 'Relationship', object: siteId(facility) },
    location: { type: 'GeoProperty', value: { type: 'Point', coordinates: [location.lon, location.lat] } },
    dateModified: dateTime(bay.observedAt),
  };
  if (bay.category === BayCategory.ACCESSIBLE)
    entity.description = property('accessible (disabled-badge) bay');
  if (bay.category === BayCategory.EV_CHARGING) entity.description = property('bay with EV charging');
  if (options.withContext) entity['@context'] = NGSI_LD_CONTEXT;
  return entity;
}

export interface OpenDataDocument {
  '@context': readonly string[];
  id: string;
  type: 'Dataset';
  title: string;
  license: string;
  dateModified: string;
  '@graph': Entity[];
}

/** The whole dataset: licence and update time once, then every entity. */
export function toOpenDataDocument(
  entities: Entity[],
  options: { license: string; generatedAt: number },
): OpenDataDocument {
  const latest = entities
    .map(
      (entity) => (entity.dateModified as { value?: { '@value'?: string } } | undefined)?.value?.['@value'],
    )
    .filter((value): value is string => value !== undefined)
    .sort()
    .at(-1);
  return {
    '@context': NGSI_LD_CONTEXT,
    id: 'urn:ngsi-ld:Dataset:mobility-parking-availability',
    type: 'Dataset',
    title: 'Car park and on-street parking availability',
    license: options.license,
    dateModified: latest ?? iso(options.generatedAt),
    '@graph': entities,
  };
}
