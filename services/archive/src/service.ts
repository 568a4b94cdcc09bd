import { fileURLToPath } from 'node:url';
import { ArchiveServiceService } from '@mobility/contracts/archive/v1/service';
import {
  definePolicy,
  type ServiceDefinition,
  type Subscription,
  storageCapabilities,
} from '@mobility/runtime';
import { ARCHIVE_CONSUMPTION, ARCHIVE_GROUP, createArchiver } from './archiver.js';
import { ARCHIVED_TOPICS } from './domain/catalogue.js';
import { createArchiveHandlers } from './grpc/handlers.js';
import { createReplayWorkers } from './replay/workers.js';
import { applyRetentionSettings, retentionSettings } from './retention.js';

/** Planners study history and run replays; operators may too. KPIs are also for agencies. */
export const archiveAccessPolicy = definePolicy({
  StartReplay: ['planner', 'operator'],
  ListReplays: ['planner', 'operator'],
  ControlReplay: ['planner', 'operator'],
  WatchReplay: ['planner', 'operator'],
  GetKpi: ['planner', 'operator', 'agency'],
});

export const archiveService: ServiceDefinition = {
  name: 'archive',
  description: 'every domain event archived, windows replayed into isolated namespaces, planner KPIs',
  // Replays publish only into `replay.<run-id>.*` namespaces, never to a catalogue topic.
  publishes: [],
  consumes: ARCHIVED_TOPICS.map((spec) => spec.name),
  migrationsDir: fileURLToPath(new URL('../migrations/', import.meta.url)),
  accessPolicy: archiveAccessPolicy,
  create({ bus, db, grpc, audit, logger }) {
    const retention = retentionSettings(process.env);
    const archiver = createArchiver({ db, logger });
    const workers = createReplayWorkers({ db, bus, logger });
    let timescale: Promise<boolean> | undefined;
    grpc.addService(
      ArchiveServiceService,
      createArchiveHandlers({
        db,
        audit,
        logger,
        workers,
        timescale: () => {
          timescale ??= storageCapabilities(db).then((capabilities) => capabilities.timescale);
          return timescale;
        },
      }),
    );
    let subscription: Subscription | undefined;
    return {
      async start() {
        await applyRetentionSettings(db, retention);
        subscription = await bus.subscribeBatch({
          group: ARCHIVE_GROUP,
          topics: ARCHIVED_TOPICS.map((spec) => spec.name),
          // History starts with whatever the bus still holds the first time the archive runs.
          fromBeginning: true,
          // Partitions of different topics are written in parallel; each batch is one transaction.
          ...ARCHIVE_CONSUMPTION,
          handler: archiver.archiveBatch,
        });
        await workers.resumeOrphans();
      },
      async stop() {
        await subscription?.stop();
        await workers.stop();
      },
    };
  },
};
