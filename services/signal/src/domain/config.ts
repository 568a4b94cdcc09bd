import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { IntersectionModel } from './model.js';

/**
 * The intersection config file: JSON or YAML, either a list of intersections or an object with an
 * `intersections` list. Every mistake is reported with the path of the offending value, e.g.
 * `intersections[2].signalGroups[0].yellowS: ...`, so an operator can fix the file without guessing.
 */

const id = z.string().trim().min(1, 'must be a non-empty id');
const seconds = z.number().finite().nonnegative();
const positiveSeconds = z.number().finite().positive();

const approachSchema = z.strictObject({
  id,
  name: z.string().default(''),
  bearingDeg: z.number().finite().min(0).max(360).optional(),
  lanes: z.number().int().positive().default(1),
  lengthM: z.number().finite().positive().optional(),
  detectorIds: z.array(id).default([]),
  signalGroupIds: z.array(id).min(1, 'an approach needs at least one signal group'),
});

const signalGroupSchema = z
  .strictObject({
    id,
    movement: z.string().default(''),
    kind: z.enum(['vehicle', 'pedestrian', 'bus']).default('vehicle'),
    minGreenS: seconds,
    maxGreenS: positiveSeconds.optional(),
    yellowS: seconds,
    allRedS: seconds,
    pedestrianWalkS: seconds.optional(),
    pedestrianClearanceS: seconds.optional(),
  })
  .superRefine((group, context) => {
    if (group.maxGreenS !== undefined && group.maxGreenS < group.minGreenS) {
      context.addIssue({ code: 'custom', path: ['maxGreenS'], message: 'must not be below minGreenS' });
    }
    if (
      group.kind !== 'pedestrian' &&
      (group.pedestrianWalkS !== undefined || group.pedestrianClearanceS !== undefined)
    ) {
      context.addIssue({
        code: 'custom',
        path: ['kind'],
        message: 'only pedestrian groups take pedestrian timings',
      });
    }
  });

const stageSchema = z.strictObject({
  id,
  name: z.string().default(''),
  signalGroupIds: z.array(id).min(1, 'a stage releases at least one signal group'),
});

const detectorSchema = z.strictObject({
  id,
  approachId: id,
  kind: z.enum(['stop-line', 'advance', 'presence', 'count']),
  distanceFromStopLineM: z.number().finite().nonnegative().optional(),
});

const planSchema = z.strictObject({
  cycleS: positiveSeconds,
  offsetS: seconds.default(0),
  splits: z.array(z.strictObject({ stageId: id, greenS: positiveSeconds })).min(1),
});

const intersectionSchema = z
  .strictObject({
    id,
    name: z.string().default(''),
    location: z
      .strictObject({ lat: z.number().min(-90).max(90), lon: z.number().min(-180).max(180) })
      .optional(),
    approaches: z.array(approachSchema).min(1),
    signalGroups: z.array(signalGroupSchema).min(1),
    stages: z.array(stageSchema).min(1),
    detectors: z.array(detectorSchema).default([]),
    plan: planSchema,
  })
  .superRefine((intersection, context) => {
    const groupIds = uniqueIds(intersection.signalGroups, 'signalGroups', context);
    const stageIds = uniqueIds(intersection.stages, 'stages', context);
    const approachIds = uniqueIds(intersection.approaches, 'approaches', context);
    const detectorIds = uniqueIds(intersection.detectors, 'detectors', context);
    const mustExist = (known: Set<string>, value: string, path: (string | number)[], what: string) => {
      if (!known.has(value))
        context.addIssue({ code: 'custom', path, message: `unknown ${what} '${value}'` });
    };
    for (const [index, approach] of intersection.approaches.entries()) {
      for (const [at, groupId] of approach.signalGroupIds.entries()) {
        mustExist(groupIds, groupId, ['approaches', index, 'signalGroupIds', at], 'signal group');
      }
      for (const [at, detectorId] of approach.detectorIds.entries()) {
        mustExist(detectorIds, detectorId, ['approaches', index, 'detectorIds', at], 'detector');
      }
    }
    for (const [index, stage] of intersection.stages.entries()) {
      for (const [at, groupId] of stage.signalGroupIds.entries()) {
        mustExist(groupIds, groupId, ['stages', index, 'signalGroupIds', at], 'signal group');
      }
    }
    for (const [index, detector] of intersection.detectors.entries()) {
      mustExist(approachIds, detector.approachId, ['detectors', index, 'approachId'], 'approach');
    }
    for (const [index, split] of intersection.plan.splits.entries()) {
      mustExist(stageIds, split.stageId, ['plan', 'splits', index, 'stageId'], 'stage');
    }
  });

const fileSchema = z.union([
  z.array(intersectionSchema),
  z.strictObject({ intersections: z.array(intersectionSchema) }),
]);

function uniqueIds(
  items: readonly { id: string }[],
  listName: string,
  context: z.RefinementCtx,
): Set<string> {
  const seen = new Set<string>();
  items.forEach((item, index) => {
    if (seen.has(item.id)) {
      context.addIssue({
        code: 'custom',
        path: [listName, index, 'id'],
        message: `duplicate id '${item.id}'`,
      });
    }
    seen.add(item.id);
  });
  return seen;
}

export class IntersectionConfigError extends Error {
  constructor(
    message: string,
    /** Every problem found, each as `path: message`. */
    readonly problems: readonly string[],
  ) {
    super(message);
    this.name = 'IntersectionConfigError';
  }
}

/** Parses a config file's text (JSON or YAML; JSON is valid YAML) into intersection models. */
export function parseIntersectionConfig(text: string, fileName = 'intersection config'): IntersectionModel[] {
  let document: unknown;
  try {
    document = parseYaml(text, { prettyErrors: true, uniqueKeys: true });
  } catch (error) {
    throw new IntersectionConfigError(`${fileName}: not valid JSON or YAML: ${(error as Error).message}`, [
      (error as Error).message,
    ]);
  }
  const result = fileSchema.safeParse(document);
  if (!result.success) {
    const wrapped = document !== null && typeof document === 'object' && !Array.isArray(document);
    const problems = describeIssues(result.error, wrapped);
    throw new IntersectionConfigError(`${fileName}: ${problems.join('; ')}`, problems);
  }
  const intersections = Array.isArray(result.data) ? result.data : result.data.intersections;
  const seen = new Set<string>();
  for (const [index, intersection] of intersections.entries()) {
    if (seen.has(intersection.id)) {
      const problem = `intersections[${index}].id: duplicate intersection id '${intersection.id}'`;
      throw new IntersectionConfigError(`${fileName}: ${problem}`, [problem]);
    }
    seen.add(intersection.id);
  }
  return intersections.map((intersection) => stripUndefined(intersection) as IntersectionModel);
}

export async function loadIntersectionConfig(path: string): Promise<IntersectionModel[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new IntersectionConfigError(`${path}: cannot read: ${(error as Error).message}`, [
      (error as Error).message,
    ]);
  }
  return parseIntersectionConfig(text, path);
}

/**
 * A union reports the issues of its closest branch; the path is rewritten so a bare list and an
 * `intersections:` object both read as `intersections[i]...`.
 */
function describeIssues(error: z.ZodError, wrapped: boolean): string[] {
  const issues = flattenUnion(error.issues, wrapped);
  return issues.map((issue) => {
    const path = issue.path.filter((part): part is string | number => typeof part !== 'symbol');
    const normalised = wrapped || path.length === 0 ? path : ['intersections', ...path];
    return `${formatPath(normalised)}: ${issue.message}`;
  });
}

function flattenUnion(issues: readonly z.core.$ZodIssue[], wrapped: boolean): z.core.$ZodIssue[] {
  const flat: z.core.$ZodIssue[] = [];
  for (const issue of issues) {
    if (issue.code === 'invalid_union' && issue.errors.length === 2) {
      // Branch 0 is the bare list, branch 1 the wrapped object: report the branch the document chose.
      const branch = issue.errors[wrapped ? 1 : 0] ?? [];
      flat.push(
        ...flattenUnion(branch, wrapped).map((inner) => ({ ...inner, path: [...issue.path, ...inner.path] })),
      );
    } else {
      flat.push(issue);
    }
  }
  return flat;
}

function formatPath(path: readonly (string | number)[]): string {
  if (path.length === 0) return '(file)';
  let text = '';
  for (const part of path) text += typeof part === 'number' ? `[${part}]` : text === '' ? part : `.${part}`;
  return text;
}

/**
 * zod types optional keys as `T | undefined`; a JSON round trip drops any key holding undefined, so
 * the result really has the model's exact optional properties.
 */
function stripUndefined(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value));
}
