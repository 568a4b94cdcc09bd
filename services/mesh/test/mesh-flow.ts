import { OccupancySnapshot } from '@mobility/contracts/parking/v1/events';
import { loadConfig, silentLogger } from '@mobility/runtime';
import { expect } from 'vitest';
import { meshEnv } from '../src/config.js';
import { type Mesh, startMesh } from '../src/mesh.js';
import type { MeshSnapshot } from '../src/status/snapshot.js';
import { echoService } from './fixtures/echo-service.js';

/**
 * The same end-to-end check for both runtime modes: boot the mesh with the fixture service, feed it
 * a snapshot twice (a redelivery), and look at every place the event should have reached.
 */
export async function bootMesh(variables: Record<string, string>, serviceNames = ['echo']): Promise<Mesh> {
  const config = loadConfig(meshEnv, {
    ...variables,
    MESH_HTTP_PORT: '0',
    MESH_GRPC_BASE_PORT: '0',
    MESH_HTTP_BASE_PORT: '0',
  });
  return startMesh(
    config,
    serviceNames.map((name) => echoService(name)),
    silentLogger(),
  );
}

export async function exerciseMesh(mesh: Mesh, facilityId: string): Promise<MeshSnapshot> {
  const snapshot = OccupancySnapshot.fromPartial({
    facilityId,
    reportedOccupied: 42,
    reportedCapacity: 100,
    meta: { occurredAt: new Date('2026-11-23T08:00:00Z') },
  });
  const value = OccupancySnapshot.encode(snapshot).finish();
  // Published twice: at-least-once delivery must not duplicate the stored row.
  await mesh.infrastructure.bus.publish('parking.occupancy-snapshot.v1', [
    { key: facilityId, value },
    { key: facilityId, value },
  ]);
  // Wait until the service under test has handled both deliveries (other services may consume too).
  const hotState = mesh.infrastructure.hotStateFor('echo');
  const deadline = Date.now() + 20_000;
  while ((await hotState.getString(`deliveries:${facilityId}`)) !== '2') {
    if (Date.now() > deadline) throw new Error('the fixture service never processed both deliveries');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  expect(await hotState.getString(`occupied:${facilityId}`)).toBe('42');
  expect(await hotState.getString(`rows:${facilityId}`)).toBe('1');

  const response = await fetch(`${mesh.status.url}status.json`);
  expect(response.status).toBe(200);
  const status = (await response.json()) as MeshSnapshot;
  const page = await (await fetch(mesh.status.url)).text();
  expect(page).toContain('<html lang="en">');
  expect(page).toContain('parking.occupancy-changed.v1');
  return status;
}
