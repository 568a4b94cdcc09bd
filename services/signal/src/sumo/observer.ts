import type { IntersectionObservation, MovementObservation } from '../domain/strategy.js';
import type { SumoNetwork, SumoSignal } from './network.js';

/** Average space a stopped car takes (length + gap), for storage estimates. */
const VEHICLE_SPACING_M = 7.5;
/** Edges shorter than this give no meaningful storage estimate (a 10 m edge always looks full). */
const MIN_STORAGE_EDGE_M = 50;
const FLOW_WINDOW_S = 300;

export interface LaneReading {
  vehicles: number;
  halting: number;
  /** Present for lanes whose arrivals are counted (the incoming edges). */
  vehicleIds?: readonly string[];
}

interface GroupGeometry {
  groupId: string;
  approachId: string;
  fromLanes: string[];
  /** Share of the approach's upstream extension counted for this group (its lanes / edge lanes). */
  upstreamShare: number;
  /** Downstream lanes grouped by edge, with the share of the edge they represent. */
  downstream: { edge: string; lanes: string[]; share: number }[];
}

/**
 * Turns lane readings into the strategies' observations for one signalised junction: queues over
 * whole approaches (the incoming edge plus any short-edge upstream extension), moving vehicles as
 * arrival look-ahead, downstream queues and storage, and arrival flows per movement.
 */
export class JunctionObserver {
  private readonly groups: GroupGeometry[] = [];
  private readonly arrivals = new Map<string, number[]>();
  private readonly seenByGroup = new Map<string, Set<string>>();

  constructor(
    readonly signal: SumoSignal,
    private readonly network: SumoNetwork,
  ) {
    for (const [groupId, indices] of signal.groupLinks) {
      const links = indices
        .map((index) => signal.links.find((link) => link.index === index))
        .filter((link) => !!link);
      const first = links[0];
      if (!first) continue;
      const fromLanes = [...new Set(links.map((link) => link.fromLane))];
      const approachLanes = network.edgeLanes.get(first.fromEdge)?.length ?? 1;
      const byEdge = new Map<string, Set<string>>();
      for (const link of links) {
        if (!byEdge.has(link.toEdge)) byEdge.set(link.toEdge, new Set());
        byEdge.get(link.toEdge)?.add(link.toLane);
      }
      this.groups.push({
        groupId,
        approachId: first.fromEdge,
        fromLanes,
        upstreamShare: fromLanes.length / approachLanes,
        downstream: [...byEdge].map(([edge, lanes]) => ({
          edge,
          lanes: [...lanes],
          share: lanes.size / (network.edgeLanes.get(edge)?.length ?? 1),
        })),
      });
      this.arrivals.set(groupId, []);
    }
  }

  /** Lanes this junction reads; `withIds` are the ones whose vehicle ids are needed (arrival counts). */
  lanesToWatch(): { counts: string[]; withIds: string[] } {
    const counts = new Set<string>();
    const withIds = new Set<string>();
    for (const chain of this.signal.approachEdges.values()) {
      for (const edge of chain) for (const lane of this.network.edgeLanes.get(edge) ?? []) counts.add(lane);
    }
    for (const group of this.groups) {
      for (const lane of group.fromLanes) withIds.add(lane);
      for (const target of group.downstream) {
        for (const lane of this.network.edgeLanes.get(target.edge) ?? []) counts.add(lane);
      }
    }
    return { counts: [...counts], withIds: [...withIds] };
  }

  observe(
    nowS: number,
    readings: ReadonlyMap<string, LaneReading>,
    control: { currentStageId: string; stageElapsedS: number; inTransition: boolean },
  ): IntersectionObservation {
    const edgeTotals = (edge: string) => {
      let vehicles = 0;
      let halting = 0;
      let storage = 0;
      for (const lane of this.network.edgeLanes.get(edge) ?? []) {
        const reading = readings.get(lane);
        vehicles += reading?.vehicles ?? 0;
        halting += reading?.halting ?? 0;
        storage += (this.network.lanes.get(lane)?.lengthM ?? 0) / VEHICLE_SPACING_M;
      }
      return { vehicles, halting, storage };
    };

    const upstream = new Map<string, { vehicles: number; halting: number; occupancy: number }>();
    const approaches = [...this.signal.approachEdges].map(([approachId, chain]) => {
      let vehicles = 0;
      let halting = 0;
      let upstreamVehicles = 0;
      let upstreamHalting = 0;
      let storage = 0;
      chain.forEach((edge, position) => {
        const totals = edgeTotals(edge);
        storage += totals.storage;
        vehicles += totals.vehicles;
        halting += totals.halting;
        if (position > 0) {
          upstreamVehicles += totals.vehicles;
          upstreamHalting += totals.halting;
        }
      });
      const occupancy = storage > 0 ? Math.min(1, vehicles / storage) : 0;
      upstream.set(approachId, { vehicles: upstreamVehicles, halting: upstreamHalting, occupancy });
      return {
        approachId,
        queueVeh: halting,
        approachingVeh: vehicles - halting,
        arrivalRateVehPerS: 0,
        occupancy,
      };
    });

    const movements: MovementObservation[] = [];
    const flowByApproach = new Map<string, number>();
    for (const group of this.groups) {
      let halting = 0;
      let vehicles = 0;
      // Arrivals: vehicles new on the group's lanes since the last step; a lane change between two
      // lanes of the same group is not a new arrival.
      let arrived = 0;
      const present = new Set<string>();
      const seen = this.seenByGroup.get(group.groupId);
      for (const lane of group.fromLanes) {
        const reading = readings.get(lane);
        halting += reading?.halting ?? 0;
        vehicles += reading?.vehicles ?? 0;
        for (const id of reading?.vehicleIds ?? []) {
          present.add(id);
          if (!seen?.has(id)) arrived++;
        }
      }
      this.seenByGroup.set(group.groupId, present);
      const extension = upstream.get(group.approachId) ?? { vehicles: 0, halting: 0, occupancy: 0 };
      halting += extension.halting * group.upstreamShare;
      vehicles += extension.vehicles * group.upstreamShare;

      let downstreamQueue = 0;
      let downstreamSpace = 0;
      let storageKnown = true;
      for (const target of group.downstream) {
        const totals = edgeTotals(target.edge);
        downstreamQueue += totals.halting * target.share;
        const edgeLength = Math.max(
          0,
          ...(this.network.edgeLanes.get(target.edge) ?? []).map(
            (lane) => this.network.lanes.get(lane)?.lengthM ?? 0,
          ),
        );
        if (edgeLength < MIN_STORAGE_EDGE_M) storageKnown = false;
        downstreamSpace += (totals.storage - totals.vehicles) * target.share;
      }

      const window = this.arrivals.get(group.groupId) ?? [];
      for (let count = 0; count < arrived; count++) window.push(nowS);
      while (window.length > 0 && (window[0] ?? nowS) <= nowS - FLOW_WINDOW_S) window.shift();
      const flowVehPerH = (window.length * 3600) / FLOW_WINDOW_S;
      flowByApproach.set(group.approachId, (flowByApproach.get(group.approachId) ?? 0) + flowVehPerH);

      const movement: MovementObservation = {
        signalGroupId: group.groupId,
        queueVeh: halting,
        approachingVeh: Math.max(0, vehicles - halting),
        downstreamQueueVeh: downstreamQueue,
        flowVehPerH,
        saturationFlowVehPerH: 1800 * group.fromLanes.length,
        upstreamOccupancy: extension.occupancy,
      };
      if (storageKnown) movement.downstreamSpaceVeh = downstreamSpace;
      movements.push(movement);
    }
    for (const approach of approaches)
      approach.arrivalRateVehPerS = (flowByApproach.get(approach.approachId) ?? 0) / 3600;
    return {
      nowS,
      currentStageId: control.currentStageId,
      stageElapsedS: control.stageElapsedS,
      inTransition: control.inTransition,
      approaches,
      movements,
      recentFlowsVehPerH: Object.fromEntries(flowByApproach),
    };
  }
}
