import { createKafkaBus } from '../../src/bus/kafka.js';
import { silentLogger } from '../../src/log/logger.js';
import { realInfra, requireListening } from '../support/infra.js';
import { describeEventBusContract } from './contract.js';

describeEventBusContract('kafka', async () => {
  await requireListening('Kafka', realInfra.kafkaBrokers[0] as string);
  return createKafkaBus({
    brokers: realInfra.kafkaBrokers,
    clientId: 'contract-test',
    logger: silentLogger(),
    sessionTimeoutMs: 6_000,
    heartbeatIntervalMs: 300,
  });
});
