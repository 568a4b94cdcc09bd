import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SHARED_DATA, sharedDataAvailable } from '@mobility/runtime/testing';
import { describe, expect, it } from 'vitest';
import { parseSumoNetwork } from '../../src/sumo/network.js';

const SCENARIOS = ['grid4x4', 'arterial4x4', 'cologne1', 'cologne3', 'ingolstadt1'];
const nets = SCENARIOS.map((name) => `sumo/${name}/${name}.net.xml`);

describe.skipIf(!sharedDataAvailable(...nets))('import of the RESCO networks in ../shared/data/sumo', () => {
  it('finds every signal with stages equal to its green phases and whole-approach queues', () => {
    for (const path of nets) {
      const xml = readFileSync(join(SHARED_DATA, path), 'utf8');
      const network = parseSumoNetwork(xml);
      expect(network.signals.length).toBe((xml.match(/<tlLogic /g) ?? []).length);
      for (const signal of network.signals) {
        const greens = signal.phases.filter((phase) => /[Gg]/.test(phase.state) && !/y/.test(phase.state));
        expect(signal.model.stages.length, `${path} ${signal.tlsId}`).toBe(greens.length);
        for (const approach of signal.model.approaches) {
          const chain = signal.approachEdges.get(approach.id) ?? [];
          const lengthM = chain.reduce((sum, edge) => {
            const lanes = network.edgeLanes.get(edge) ?? [];
            return sum + Math.max(0, ...lanes.map((lane) => network.lanes.get(lane)?.lengthM ?? 0));
          }, 0);
          // Short signal edges (ingolstadt's 9 m, cologne3's 10 m) are counted with their feeders.
          expect(lengthM, `${path} ${approach.id}`).toBeGreaterThanOrEqual(40);
        }
      }
    }
  });

  it('reads exactly the written phases of grid4x4, whose phases carry XML comments', () => {
    const xml = readFileSync(join(SHARED_DATA, 'sumo/grid4x4/grid4x4.net.xml'), 'utf8');
    const signal = parseSumoNetwork(xml).signals.find((candidate) => candidate.tlsId === 'A0');
    const written = (xml.split('<tlLogic id="A0"')[1]?.split('</tlLogic>')[0] ?? '').replace(
      /<!--[\s\S]*?-->/g,
      '',
    );
    expect(signal?.phases.length).toBe((written.match(/<phase /g) ?? []).length);
  });
});
