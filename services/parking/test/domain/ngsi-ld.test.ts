import {
  BayCategory,
  Facility,
  FacilityKind,
  OccupancySource,
} from '@mobility/contracts/parking/v1/facility';
import { durationFromMs } from '@mobility/contracts/wkt';
import { describe, expect, it } from 'vitest';
import { toOpenDataDocument, toParkingSite, toParkingSpot } from '../../src/domain/ngsi-ld.js';
import { type LiveOccupancy, Source } from '../../src/domain/occupancy.js';

const facility = (overrides: Partial<Facility> = {}) =>
  Facility.fromPartial({
    facilityId: 'BHM 01',
    name: 'Bull Ring',
    kind: FacilityKind.GARAGE,
    location: { lat: 52.477, lon: -1.894 },
    capacity: 200,
    capacityByCategory: [{ category: BayCategory.ACCESSIBLE, capacity: 8 }],
    pricing: {
      steps: [{ maxStay: durationFromMs(3_600_000), price: { currencyCode: 'GBP', amountMinor: 240 } }],
    },
    occupancySource: OccupancySource.FACILITY_SYSTEM,
    maxHeightM: 2.1,
    ...overrides,
  });
const at = Date.parse('2026-11-23T08:00:00Z');
const occupancy = (occupied: number): LiveOccupancy => ({
  facilityId: 'BHM 01',
  capacity: 200,
  occupied,
  observedAt: at,
  source: Source.FACILITY_SYSTEM,
  byCategory: [],
  flags: [],
  inputId: 'x',
  recent: [],
});

describe('NGSI-LD mapping (FIWARE dataModel.Parking)', () => {
  it('maps a garage to OffStreetParking with observed availability as Properties', () => {
    const entity = toParkingSite(facility(), occupancy(170), { withContext: true });
    expect(entity).toMatchObject({
      id: 'urn:ngsi-ld:OffStreetParking:BHM%2001',
      type: 'OffStreetParking',
      name: { type: 'Property', value: 'Bull Ring' },
      location: { type: 'GeoProperty', value: { type: 'Point', coordinates: [-1.894, 52.477] } },
      totalSpotNumber: { type: 'Property', value: 200, observedAt: '2026-11-23T08:00:00.000Z' },
      availableSpotNumber: { type: 'Property', value: 30, observedAt: '2026-11-23T08:00:00.000Z' },
      occupiedSpotNumber: { type: 'Property', value: 170 },
      occupancy: { type: 'Property', value: 0.85 },
      status: { type: 'Property', value: ['almostFull'] },
      category: { type: 'Property', value: ['parkingGarage', 'feeCharged', 'forDisabled'] },
      occupancyDetectionType: { type: 'Property', value: ['balancing'] },
      maximumAllowedHeight: { type: 'Property', value: 2.1 },
      priceCurrency: { type: 'Property', value: 'GBP' },
      dateModified: {
        type: 'Property',
        value: { '@type': 'DateTime', '@value': '2026-11-23T08:00:00.000Z' },
      },
    });
    expect((entity.priceRatePerMinute as { value: number }).value).toBeCloseTo(0.04);
    expect(entity['@context']).toEqual(
      expect.arrayContaining([expect.stringContaining('ngsi-ld-core-context')]),
    );
    expect(toParkingSite(facility(), occupancy(200)).status).toMatchObject({ value: ['full'] });
  });

  it('maps on-street zones to OnStreetParking and leaves out what was never observed', () => {
    const zone = toParkingSite(
      facility({
        kind: FacilityKind.ON_STREET_ZONE,
        pricing: { free: true, steps: [], transitDiscount: false },
      }),
      undefined,
    );
    expect(zone.type).toBe('OnStreetParking');
    expect(zone.availableSpotNumber).toBeUndefined();
    expect(zone.totalSpotNumber).toEqual({ type: 'Property', value: 200 });
    expect(zone.category).toMatchObject({ value: expect.arrayContaining(['free']) });
    expect(zone['@context']).toBeUndefined();
  });

  it('maps sensed bays to ParkingSpot linked to their site; a faulty sensor is unknown', () => {
    const bay = {
      bayId: 'L2-07',
      state: 'fault' as const,
      category: BayCategory.EV_CHARGING,
      observedAt: at,
    };
    expect(toParkingSpot(facility(), bay)).toMatchObject({
      id: 'urn:ngsi-ld:ParkingSpot:BHM%2001:L2-07',
      type: 'ParkingSpot',
      status: { type: 'Property', value: 'unknown', observedAt: '2026-11-23T08:00:00.000Z' },
      category: { type: 'Property', value: ['offStreet'] },
      refParkingSite: { type: 'Relationship', object: 'urn:ngsi-ld:OffStreetParking:BHM%2001' },
    });
    const site = toParkingSite(facility(), occupancy(1), { bays: [bay] });
    expect(site.refParkingSpot).toEqual({
      type: 'Relationship',
      object: ['urn:ngsi-ld:ParkingSpot:BHM%2001:L2-07'],
    });
  });

  it('wraps entities in a dataset with licence and the latest modification', () => {
    const document = toOpenDataDocument([toParkingSite(facility(), occupancy(3))], {
      license: 'https://creativecommons.org/licenses/by/4.0/',
      generatedAt: at + 1,
    });
    expect(document).toMatchObject({
      license: 'https://creativecommons.org/licenses/by/4.0/',
      dateModified: '2026-11-23T08:00:00.000Z',
    });
  });
});
