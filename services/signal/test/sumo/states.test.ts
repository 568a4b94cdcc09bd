import { describe, expect, it } from 'vitest';
import { createSafetyGuard } from '../../src/domain/safety.js';
import type { StageDecision } from '../../src/domain/strategy.js';
import { parseSumoNetwork } from '../../src/sumo/network.js';
import { coloursShown, stateString } from '../../src/sumo/run.js';

const NET = `<net>
  <edge id="w" from="W" to="J"><lane id="w_0" index="0" length="100"/></edge>
  <edge id="s" from="S" to="J"><lane id="s_0" index="0" length="100"/></edge>
  <edge id="e" from="J" to="E"><lane id="e_0" index="0" length="100"/></edge>
  <edge id="n" from="J" to="N"><lane id="n_0" index="0" length="100"/></edge>
  <tlLogic id="J" type="static" programID="0" offset="0">
    <phase duration="20" state="GgsG"/>
    <phase duration="3" state="yysG"/>
    <phase duration="20" state="srGG"/>
    <phase duration="3" state="sryy"/>
  </tlLogic>
  <junction id="J" type="traffic_light" x="0" y="0"/>
  <connection from="w" to="e" fromLane="0" toLane="0" tl="J" linkIndex="0"/>
  <connection from="w" to="n" fromLane="0" toLane="0" tl="J" linkIndex="1"/>
  <connection from="s" to="n" fromLane="0" toLane="0" tl="J" linkIndex="2"/>
  <connection from="s" to="e" fromLane="0" toLane="0" tl="J" linkIndex="3"/>
</net>`;

describe('guard state to SUMO state string', () => {
  const signal = parseSumoNetwork(NET).signals[0];
  if (!signal) throw new Error('no signal parsed');
  const toStage = (toStageId: string): StageDecision => ({
    kind: 'switch',
    toStageId,
    explanation: { summary: 'test', measure: 'none', scores: [] },
  });

  it('keeps G/g and right-on-red from the program, yellows only the groups that end', () => {
    const guard = createSafetyGuard(signal.model, 'p0', 0);
    expect(stateString(signal, guard.step(0))).toBe('GgsG');
    guard.request(toStage('p2'), 6);
    // link 3 (s->e) is green in both stages: it stays green through the change.
    expect(stateString(signal, guard.step(6))).toBe('yysG');
    expect(stateString(signal, guard.step(9))).toBe('srGG');
  });

  it('reads colours back from a state string, group by group', () => {
    const shown = coloursShown(signal, 'yysG');
    expect(Object.values(shown.colours)).toEqual(['yellow', 'red', 'green']);
  });
});
