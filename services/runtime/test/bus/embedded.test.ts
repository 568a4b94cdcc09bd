import { createEmbeddedBus } from '../../src/bus/embedded.js';
import { describeEventBusContract } from './contract.js';

describeEventBusContract('embedded', async () => createEmbeddedBus());
