import { ALL_TOPICS, RETENTION } from '@mobility/contracts/topics';
import type { Command } from '@mobility/runtime';

/** The topic catalogue, for people wiring a consumer and for scripts. */
export const topicsCommand: Command = {
  summary: 'list the Kafka topics of the contract catalogue',
  usage: 'topics',
  async run(_args, io) {
    for (const topic of ALL_TOPICS) {
      io.say(
        `${topic.name.padEnd(32)} ${topic.messageType.padEnd(42)} key=${topic.keyField}  ${topic.description}`,
      );
    }
    return {
      topics: ALL_TOPICS.map((topic) => ({
        name: topic.name,
        owner: topic.owner,
        message_type: topic.messageType,
        key: topic.keyField,
        partitions: topic.partitions,
        retention_ms: RETENTION[topic.retention].retentionMs,
      })),
    };
  },
};
