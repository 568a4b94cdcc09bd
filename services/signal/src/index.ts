export type { ControllerStatus, IntersectionController } from './control/intersection-controller.js';
export {
  CONSUMER_GROUPS,
  createSignalService,
  MEASURE_BIN_MS,
  type SignalServiceOptions,
  signalAccessPolicy,
  signalService,
  signalSettings,
} from './service.js';
