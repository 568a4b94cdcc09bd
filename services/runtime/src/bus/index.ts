export { DLQ_HEADERS, deadLetterTopicFor } from './delivery.js';
export { createEmbeddedBus, type EmbeddedBusOptions } from './embedded.js';
export { createKafkaBus, type KafkaBusOptions } from './kafka.js';
export { NAMESPACE_PATTERN, type NamespacedBus, type NamespaceOptions, namespacedBus } from './namespace.js';
export { partitionFor } from './partitioner.js';
export type * from './port.js';
