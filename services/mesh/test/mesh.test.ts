import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Mesh } from '../src/mesh.js';
import type { MeshSnapshot } from '../src/status/snapshot.js';
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
    expect(status.services).toMatchObject([{ name: 'echo', runs: 'in-process', health: 'SERVING' }]);
    expect(status.topics.find((topic) => topic.name === 'parking.occupancy-snapshot.v1')?.appended).toBe(2);
    expect(status.topics.every((topic) => topic.partitions > 0)).toBe(true);
    expect(status.deadLetterTopics.map((topic) => topic.name)).toContain('dlq.echo.snapshots.v1');
  });

  it('reports services running elsewhere when it runs none itself (as in Kubernetes)', async () => {
    const [echo] = mesh.services;
    const statusOnly = await bootMesh({
      MESH_SERVICES: 'none',
      MESH_REMOTE_SERVICES: `echo=127.0.0.1:${echo?.grpcPort},gone=127.0.0.1:1`,
    });
    try {
      expect(statusOnly.services).toEqual([]);
      const status = (await (await fetch(`${statusOnly.status.url}status.json`)).json()) as MeshSnapshot;
      expect(status.services).toMatchObject([
        { name: 'echo', runs: 'remote', health: 'SERVING', description: expect.stringContaining('fixture') },
        { name: 'gone', runs: 'remote', health: expect.stringMatching(/^unreachable/) },
      ]);
    } finally {
      await statusOnly.stop();
    }
  });

  it('refuses a selection naming a service that is not registered', async () => {
    await expect(bootMesh({ MESH_SERVICES: 'echo,ghost' })).rejects.toThrow(
      /MESH_SERVICES names unknown service\(s\) ghost/,
    );
  });
});
