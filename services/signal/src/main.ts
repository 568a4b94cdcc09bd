import { runService } from '@mobility/runtime';
import { signalService } from './service.js';

await runService(signalService);
