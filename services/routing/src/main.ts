import { ConfigError, loadConfigOrExit, runService } from '@mobility/runtime';
import { routingEnv } from './config.js';
import { routingService } from './service.js';

// Checked before anything connects, so a bad ROUTING_* variable stops the process the same way a
// bad infrastructure variable does: one line naming it, exit code 2.
loadConfigOrExit('routing', routingEnv);
await runService(routingService).catch((error: unknown) => {
  // A feed that exists but is not a usable GTFS zip is found only while loading it.
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`routing: ${error.message}\n`);
  process.exit(2);
});
