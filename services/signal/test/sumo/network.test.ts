import { describe, expect, it } from 'vitest';
import { parseSumoNetwork } from '../../src/sumo/network.js';
import { actuatedAdditional } from '../../src/sumo/scenario.js';

/**
 * A hand-written T-junction: main road west<->east (2 lanes, the west arm cut into a 9 m signal
 * edge behind a 120 m feeder) and a side road from the south. The program has a commented-out
 * phase that must not become a stage.
 */
const NET = `<?xml version="1.0" encoding="UTF-8"?>
<net version="1.9" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <edge id=":J_0" function="internal"><lane id=":J_0_0" index="0" speed="10" length="5"/></edge>
  <edge id="feed" from="W0" to="W1"><lane id="feed_0" index="0" speed="13.9" length="120"/><lane id="feed_1" index="1" speed="13.9" length="120"/></edge>
  <edge id="west" from="W1" to="J"><lane id="west_0" index="0" speed="13.9" length="9"/><lane id="west_1" index="1" speed="13.9" length="9"/></edge>
  <edge id="back" from="J" to="W1"><lane id="back_0" index="0" speed="13.9" length="9"/></edge>
  <edge id="east" from="E" to="J"><lane id="east_0" index="0" speed="13.9" length="200"/></edge>
  <edge id="south" from="S" to="J"><lane id="south_0" index="0" speed="13.9" length="150"/></edge>
  <edge id="toEast" from="J" to="E"><lane id="toEast_0" index="0" speed="13.9" length="200"/></edge>
  <edge id="toSouth" from="J" to="S"><lane id="toSouth_0" index="0" speed="13.9" length="150"/></edge>
  <tlLogic id="J" type="static" programID="0" offset="4">
    <phase duration="30" state="GGgrr" minDur="8" maxDur="45"/>
    <!-- <phase duration="10" state="GGGGG"/> -->
    <phase duration="3"  state="yyyrr"/>
    <phase duration="2"  state="rrrrr"/>
    <phase duration="20" state="rrrGG"/>
    <phase duration="4"  state="rrryy"/>
  </tlLogic>
  <junction id="J" type="traffic_light" x="0" y="0" incLanes="west_0 west_1 east_0 south_0" intLanes=":J_0_0"/>
  <junction id="W1" type="priority" x="-10" y="0" incLanes="feed_0 feed_1" intLanes=""/>
  <connection from="feed" to="west" fromLane="0" toLane="0"/>
  <connection from="feed" to="west" fromLane="1" toLane="1"/>
  <connection from="back" to="feed" fromLane="0" toLane="0"/>
  <connection from="west" to="toEast" fromLane="0" toLane="0" tl="J" linkIndex="0"/>
  <connection from="west" to="toEast" fromLane="1" toLane="0" tl="J" linkIndex="1"/>
  <connection from="east" to="toSouth" fromLane="0" toLane="0" tl="J" linkIndex="2"/>
  <connection from="south" to="toEast" fromLane="0" toLane="0" tl="J" linkIndex="3"/>
  <connection from="south" to="back" fromLane="0" toLane="0" tl="J" linkIndex="4"/>
</net>`;

describe('SUMO network import', () => {
  const network = parseSumoNetwork(NET);
  const signal = network.signals[0];

  it('maps green phases to stages and links to signal groups, ignoring commented-out phases', () => {
    expect(network.signals).toHaveLength(1);
    expect(signal?.phases).toHaveLength(5);
    const model = signal?.model;
    expect(model?.stages.map((stage) => stage.id)).toEqual(['p0', 'p3']);
    expect(model?.stages.map((stage) => stage.signalGroupIds.length)).toEqual([2, 1]);
    // west's two links share one pattern -> one group; east and south get their own.
    expect([...(signal?.groupLinks.values() ?? [])]).toEqual([[0, 1], [2], [3, 4]]);
    expect(model?.plan).toEqual({
      cycleS: 59,
      offsetS: 4,
      splits: [
        { stageId: 'p0', greenS: 30 },
        { stageId: 'p3', greenS: 20 },
      ],
    });
  });

  it('takes min green, max green, yellow and all-red from the phases', () => {
    const groups = signal?.model.signalGroups ?? [];
    expect(
      groups.map(({ minGreenS, maxGreenS, yellowS, allRedS }) => ({
        minGreenS,
        maxGreenS,
        yellowS,
        allRedS,
      })),
    ).toEqual([
      { minGreenS: 8, maxGreenS: 45, yellowS: 3, allRedS: 2 },
      { minGreenS: 8, maxGreenS: 45, yellowS: 3, allRedS: 2 },
      // no minDur: min(duration 20, default 5); the last yellow wraps to a green: no all-red
      { minGreenS: 5, maxGreenS: undefined, yellowS: 4, allRedS: 0 },
    ]);
  });

  it('counts a short signal edge together with the edge feeding it, not the U-turn', () => {
    expect(signal?.approachEdges.get('west')).toEqual(['west', 'feed']);
    expect(signal?.approachEdges.get('east')).toEqual(['east']);
    expect(signal?.model.approaches.map((approach) => [approach.id, approach.lanes])).toEqual([
      ['west', 2],
      ['east', 1],
      ['south', 1],
    ]);
  });

  it('re-declares the programs as actuated with bounded green phases', () => {
    const additional = actuatedAdditional(network);
    expect(additional).toContain('<tlLogic id="J" type="actuated" programID="actuated" offset="4">');
    expect(additional).toContain('<phase duration="30" state="GGgrr" minDur="8" maxDur="45"/>');
    expect(additional).toContain('<phase duration="20" state="rrrGG" minDur="5" maxDur="50"/>');
    expect(additional).toContain('<phase duration="3" state="yyyrr"/>');
  });
});
