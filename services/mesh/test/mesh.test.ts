import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Mesh } from '../src/mesh.js';
import { bootMesh, exerciseMesh } from './mesh-flow.js';

describe('mesh in embedded mode (no servers)', () => {
  let mesh: Mesh;
  beforeAll(async () => {
    mesh = await bootMesh({});
  });
  afterAll(() => mesh?.stop());

  it('runs a service end to end on the in-process bus, PGlite and memory, and reports it', async () => {
    const status = await exerciseMesh(mesh, 'facility-embedded');
    expect(status.mode).toEqual({ bus: 'embedded', storage: 'pglite', hotState: 'memory' });
    expect(status.services).toMatchObject([{ name: 'echo', health: 'SERVING' }]);
    expect(status.topics.find((topic) => topic.name === 'parking.occupancy-snapshot.v1')?.appended).toBe(2);
    expect(status.topics.every((topic) => topic.partitions > 0)).toBe(true);
    expect(status.deadLetterTopics.map((topic) => topic.name)).toContain('dlq.echo.snapshots.v1');
  });
});
