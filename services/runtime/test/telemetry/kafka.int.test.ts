import { createKafkaBus } from '../../src/bus/kafka.js';
import { silentLogger } from '../../src/log/logger.js';
import { realInfra, requireListening } from '../support/infra.js';
import { describeBusTelemetry } from './bus-telemetry.js';

describeBusTelemetry('kafka', async () => {
  await requireListening('Kafka', realInfra.kafkaBrokers[0] as string);
  return createKafkaBus({
    brokers: realInfra.kafkaBrokers,
    clientId: 'telemetry-test',
    logger: silentLogger(),
    sessionTimeoutMs: 6_000,
    heartbeatIntervalMs: 300,
  });
});
