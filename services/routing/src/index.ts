export { type RoutingConfig, routingEnv } from './config.js';
export {
  createRoutingService,
  ROUTING_GRPC_SERVICE,
  type RoutingServiceOptions,
  routingService,
} from './service.js';
