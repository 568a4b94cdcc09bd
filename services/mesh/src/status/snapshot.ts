import { ALL_TOPICS } from '@mobility/contracts/topics';
import { healthCheck, type Infrastructure, type ServiceDefinition } from '@mobility/runtime';

/** A service the status page reports on: one running in this process, or one elsewhere. */
export interface ServiceEndpoint {
  name: string;
  runs: 'in-process' | 'remote';
  grpcAddress: string;
  httpUrl?: string;
  /** Known when the service is registered in this build. */
  definition: ServiceDefinition | undefined;
}

/** What the status page shows: a plain value, so the page and its JSON twin render the same data. */
export interface MeshSnapshot {
  generatedAt: string;
  mode: Infrastructure['mode'];
  services: Array<{
    name: string;
    description: string;
    runs: ServiceEndpoint['runs'];
    grpcAddress: string;
    httpUrl: string | null;
    health: string;
    publishes: readonly string[];
    consumes: readonly string[];
  }>;
  topics: Array<{
    name: string;
    owner: string;
    messageType: string;
    description: string;
    partitions: number;
    /** Messages currently retained (sum over partitions of high - low). */
    retained: number;
    /** Messages ever appended (sum of high watermarks). */
    appended: number;
  }>;
  deadLetterTopics: Array<{ name: string; retained: number }>;
}

export async function takeSnapshot(
  infrastructure: Infrastructure,
  services: readonly ServiceEndpoint[],
): Promise<MeshSnapshot> {
  const described = await infrastructure.bus.describeTopics();
  const byName = new Map(described.map((topic) => [topic.name, topic]));
  const count = (name: string) => {
    const partitions = byName.get(name)?.partitions ?? [];
    return {
      retained: partitions.reduce((sum, p) => sum + (p.high - p.low), 0),
      appended: partitions.reduce((sum, p) => sum + p.high, 0),
    };
  };
  return {
    generatedAt: new Date().toISOString(),
    mode: infrastructure.mode,
    services: await Promise.all(
      services.map(async (service) => ({
        name: service.name,
        description: service.definition?.description ?? '',
        runs: service.runs,
        grpcAddress: service.grpcAddress,
        httpUrl: service.httpUrl ?? null,
        health: await healthCheck(service.grpcAddress).catch(
          (error: Error) => `unreachable (${error.message})`,
        ),
        publishes: service.definition?.publishes ?? [],
        consumes: service.definition?.consumes ?? [],
      })),
    ),
    topics: ALL_TOPICS.map((topic) => ({
      name: topic.name,
      owner: topic.owner,
      messageType: topic.messageType,
      description: topic.description,
      partitions: byName.get(topic.name)?.partitions.length ?? 0,
      ...count(topic.name),
    })),
    deadLetterTopics: described
      .filter((topic) => topic.name.startsWith('dlq.'))
      .map((topic) => ({ name: topic.name, retained: count(topic.name).retained })),
  };
}
