import { runService } from '@mobility/runtime';
import { avlService } from './service.js';

await runService(avlService);
