import { createEmbeddedBus } from '../../src/bus/embedded.js';
import { describeBusTelemetry } from './bus-telemetry.js';

describeBusTelemetry('embedded', async () => createEmbeddedBus());
