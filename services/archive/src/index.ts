export { ARCHIVE_GROUP, createArchiver } from './archiver.js';
export { ARCHIVED_TOPICS } from './domain/catalogue.js';
export { KPI_NAMES, KPIS, type KpiName } from './domain/kpi.js';
export { executeReplay, planReplay, REPLAY_HEADERS } from './replay/engine.js';
export { archiveAccessPolicy, archiveService } from './service.js';
