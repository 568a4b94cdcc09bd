import { findTopic, RETENTION } from '@mobility/contracts/topics';
import type { TopicSpec } from '../bus/port.js';

/** Bus settings (partitions, retention) of catalogue topics; an unknown name is a wiring bug. */
export function busTopicsFor(names: Iterable<string>): TopicSpec[] {
  return [...new Set(names)].map((name) => {
    const spec = findTopic(name);
    if (!spec) throw new Error(`topic ${name} is not in the contract catalogue (proto/src/topics.ts)`);
    return {
      name: spec.name,
      partitions: spec.partitions,
      retentionMs: RETENTION[spec.retention].retentionMs,
    };
  });
}
