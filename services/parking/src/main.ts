import { runService } from '@mobility/runtime';
import { parkingService } from './service.js';

await runService(parkingService);
