export type { LiveOccupancy } from './domain/occupancy.js';
export { CONSUMER_GROUPS, parkingAccessPolicy, parkingService } from './service.js';
