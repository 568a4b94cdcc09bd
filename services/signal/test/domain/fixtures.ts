import type { IntersectionModel } from '../../src/domain/model.js';

/** A four-arm junction: north-south and east-west through stages plus a pedestrian crossing. */
export function crossroads(): IntersectionModel {
  return {
    id: 'x1',
    name: 'Main St / First Ave',
    approaches: [
      { id: 'north', name: 'from north', lanes: 2, detectorIds: ['d-n'], signalGroupIds: ['ns'] },
      { id: 'south', name: 'from south', lanes: 2, detectorIds: [], signalGroupIds: ['ns'] },
      { id: 'east', name: 'from east', lanes: 1, detectorIds: [], signalGroupIds: ['ew'] },
      { id: 'west', name: 'from west', lanes: 1, detectorIds: [], signalGroupIds: ['ew'] },
    ],
    signalGroups: [
      {
        id: 'ns',
        movement: 'N/S-through',
        kind: 'vehicle',
        minGreenS: 7,
        maxGreenS: 60,
        yellowS: 3,
        allRedS: 2,
      },
      { id: 'ew', movement: 'E/W-through', kind: 'vehicle', minGreenS: 5, yellowS: 4, allRedS: 1 },
      {
        id: 'ped',
        movement: 'E-W crossing',
        kind: 'pedestrian',
        minGreenS: 4,
        yellowS: 0,
        allRedS: 2,
        pedestrianWalkS: 7,
        pedestrianClearanceS: 9,
      },
    ],
    stages: [
      { id: 'A', name: 'north-south', signalGroupIds: ['ns', 'ped'] },
      { id: 'B', name: 'east-west', signalGroupIds: ['ew'] },
    ],
    detectors: [{ id: 'd-n', approachId: 'north', kind: 'advance', distanceFromStopLineM: 60 }],
    plan: {
      cycleS: 60,
      offsetS: 0,
      splits: [
        { stageId: 'A', greenS: 30 },
        { stageId: 'B', greenS: 20 },
      ],
    },
  };
}
