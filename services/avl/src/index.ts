export {
  type AvlOptions,
  avlAccessPolicy,
  avlOptionsFromEnv,
  avlService,
  createAvlService,
  INGEST_GROUP,
} from './service.js';
