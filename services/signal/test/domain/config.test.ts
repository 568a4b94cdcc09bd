import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  IntersectionConfigError,
  loadIntersectionConfig,
  parseIntersectionConfig,
} from '../../src/domain/config.js';
import { crossroads } from './fixtures.js';

describe('intersection config', () => {
  it('reads JSON and YAML into the same models', async () => {
    const model = crossroads();
    const fromJson = parseIntersectionConfig(JSON.stringify({ intersections: [model] }));
    const yaml = `- id: x1
  name: Main St / First Ave
  approaches:
    - { id: north, name: from north, lanes: 2, detectorIds: [d-n], signalGroupIds: [ns] }
    - { id: south, name: from south, lanes: 2, signalGroupIds: [ns] }
    - { id: east, name: from east, signalGroupIds: [ew] }
    - { id: west, name: from west, signalGroupIds: [ew] }
  signalGroups:
    - { id: ns, movement: N/S-through, minGreenS: 7, maxGreenS: 60, yellowS: 3, allRedS: 2 }
    - { id: ew, movement: E/W-through, minGreenS: 5, yellowS: 4, allRedS: 1 }
    - { id: ped, movement: E-W crossing, kind: pedestrian, minGreenS: 4, yellowS: 0, allRedS: 2, pedestrianWalkS: 7, pedestrianClearanceS: 9 }
  stages:
    - { id: A, name: north-south, signalGroupIds: [ns, ped] }
    - { id: B, name: east-west, signalGroupIds: [ew] }
  detectors:
    - { id: d-n, approachId: north, kind: advance, distanceFromStopLineM: 60 }
  plan: { cycleS: 60, splits: [{ stageId: A, greenS: 30 }, { stageId: B, greenS: 20 }] }
`;
    const directory = await mkdtemp(join(tmpdir(), 'signal-config-'));
    try {
      const path = join(directory, 'city.yaml');
      await writeFile(path, yaml);
      const fromYaml = await loadIntersectionConfig(path);
      expect(fromYaml).toEqual(fromJson);
      expect(fromJson[0]).toEqual(model);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('names the path and the file of every mistake', () => {
    const model = crossroads() as unknown as Record<string, unknown>;
    const broken = structuredClone(model) as {
      signalGroups: Record<string, unknown>[];
      stages: { signalGroupIds: string[] }[];
    };
    (broken.signalGroups[1] as Record<string, unknown>).yellowS = -1;
    broken.stages[1]?.signalGroupIds.push('nope');
    try {
      parseIntersectionConfig(JSON.stringify({ intersections: [broken] }), 'city.json');
      expect.unreachable('config with errors was accepted');
    } catch (error) {
      expect(error).toBeInstanceOf(IntersectionConfigError);
      const problems = (error as IntersectionConfigError).problems;
      expect(
        problems.some((problem) => problem.startsWith('intersections[0].signalGroups[1].yellowS:')),
      ).toBe(true);
      expect(problems).toContain("intersections[0].stages[1].signalGroupIds[1]: unknown signal group 'nope'");
      expect((error as Error).message).toMatch(/^city\.json: /);
    }
  });

  it('reports a bare list with the same paths, unreadable text and duplicate ids clearly', () => {
    const broken = crossroads() as unknown as { plan: { splits: { stageId: string }[] } };
    (broken.plan.splits[0] as { stageId: string }).stageId = 'Z';
    expect(() => parseIntersectionConfig(JSON.stringify([broken]))).toThrow(
      "intersections[0].plan.splits[0].stageId: unknown stage 'Z'",
    );
    expect(() => parseIntersectionConfig('{ not: [valid', 'bad.yaml')).toThrow(
      /^bad\.yaml: not valid JSON or YAML/,
    );
    expect(() => parseIntersectionConfig(JSON.stringify([crossroads(), crossroads()]))).toThrow(
      "intersections[1].id: duplicate intersection id 'x1'",
    );
  });

  it('refuses a missing file with its path', async () => {
    await expect(loadIntersectionConfig('/nonexistent/city.yaml')).rejects.toThrow(
      '/nonexistent/city.yaml: cannot read',
    );
  });
});
