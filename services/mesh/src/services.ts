import { parkingService } from '@mobility/parking';
import { routingService } from '@mobility/routing';
import type { ServiceDefinition } from '@mobility/runtime';

/**
 * Every service of the mesh, in start order. A new service adds its definition here and is then
 * booted by `pnpm start`, listed on the status page, and deployed by its own Deployment in k8s/.
 */
export const SERVICES: readonly ServiceDefinition[] = [parkingService, routingService];
