import { runService } from '@mobility/runtime';
import { archiveService } from './service.js';

await runService(archiveService);
