import { describe, expect, it } from 'vitest';
import {
  createHeadwayMonitor,
  type HeadwayAlertResult,
  type MatchedPosition,
} from '../../src/domain/index.js';
import { at, DATE, fixtureNetwork } from './fixtures.js';

const network = fixtureNetwork();

/** A matched position of a vehicle on a fixture trip, heading to stop sequence `next`. */
function position(vehicleId: string, tripId: string, next: number, seconds: number): MatchedPosition {
  return {
    vehicleId,
    timestampMs: at(seconds),
    lat: 0,
    lon: 0,
    tripId,
    routeId: 'R1',
    directionId: 0,
    startDate: DATE,
    shapeDistM: 0,
    offShapeM: 0,
    stopSequence: next,
    stopId: `S${next - 1}`,
    status: 'IN_TRANSIT_TO',
    scheduleDeviationS: 0,
    assignment: 'given',
    confidence: 1,
  };
}

describe('headway monitor', () => {
  it('raises bunching when a follower passes stops right behind its leader, and clears it once spaced again', () => {
    // T1 (08:00) and U1 (08:10) are 10 minutes apart; U1 runs 8 minutes early right behind T1.
    const monitor = createHeadwayMonitor(network, { confirmations: 2 });
    const alerts: HeadwayAlertResult[] = [];
    const leaderStart = 8 * 3600;
    const followerStart = 8 * 3600 + 120;
    for (let next = 1; next <= 6; next++) {
      alerts.push(...monitor.observe(position('lead', 'T1', next, leaderStart + next * 120)));
      // The follower closes up for stops 2-4, then falls back to its 10 minute headway.
      const gap = next <= 4 ? 0 : 480;
      alerts.push(...monitor.observe(position('follow', 'U1', next, followerStart + next * 120 + gap)));
    }
    const raised = alerts.find((alert) => alert.state === 'RAISED');
    expect(raised?.condition).toBe('BUNCHING');
    expect(raised?.vehicleId).toBe('follow');
    expect(raised?.leaderVehicleId).toBe('lead');
    expect(raised?.scheduledHeadwayS).toBe(600);
    expect(raised?.observedHeadwayS).toBe(120);
    expect(raised?.explanation).toContain('scheduled headway 10.0 min');
    const cleared = alerts.find((alert) => alert.state === 'CLEARED');
    expect(cleared?.condition).toBe('BUNCHING');
    expect(alerts.filter((alert) => alert.condition === 'GAP')).toEqual([]);
  });

  it('raises a gap when the follower comes far more than a headway behind', () => {
    const monitor = createHeadwayMonitor(network, { confirmations: 1 });
    const alerts: HeadwayAlertResult[] = [];
    for (let next = 1; next <= 4; next++) {
      alerts.push(...monitor.observe(position('lead', 'T1', next, 8 * 3600 + next * 120)));
      alerts.push(...monitor.observe(position('follow', 'U1', next, 8 * 3600 + 1200 + next * 120)));
    }
    const gap = alerts.find((alert) => alert.condition === 'GAP' && alert.state === 'RAISED');
    expect(gap?.observedHeadwayS).toBe(1200);
    expect(alerts.filter((alert) => alert.condition === 'BUNCHING')).toEqual([]);
  });

  it('stays quiet on infrequent routes', () => {
    const monitor = createHeadwayMonitor(network, { maxScheduledHeadwayS: 300, confirmations: 1 });
    const alerts: HeadwayAlertResult[] = [];
    for (let next = 1; next <= 4; next++) {
      alerts.push(...monitor.observe(position('lead', 'T1', next, 8 * 3600 + next * 120)));
      alerts.push(...monitor.observe(position('follow', 'U1', next, 8 * 3600 + 10 + next * 120)));
    }
    expect(alerts).toEqual([]);
  });
});
