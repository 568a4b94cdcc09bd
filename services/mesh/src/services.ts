import { archiveService } from '@mobility/archive';
import { avlService } from '@mobility/avl';
import { parkingService } from '@mobility/parking';
import { routingService } from '@mobility/routing';
import type { ServiceDefinition } from '@mobility/runtime';
import { signalService } from '@mobility/signal';

/**
 * Every service of the mesh, in start order. A new service adds its definition here and is then
 * booted by `pnpm start`, listed on the status page, and deployed by its own Deployment in k8s/.
 */
export const SERVICES: readonly ServiceDefinition[] = [
  archiveService,
  avlService,
  parkingService,
  routingService,
  signalService,
];
