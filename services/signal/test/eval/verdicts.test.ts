import { describe, expect, it } from 'vitest';
import { verdicts } from '../../src/eval/command.js';

const row = (scenario: string, controller: string, delay: number, backlog = 0, violations = 0) => ({
  scenario,
  controller,
  demand_scale: 1,
  mean_delay_s: delay,
  backlog,
  safety_violations: violations,
});

describe('target verdicts', () => {
  it('judges adaptive against the best other controller per scenario and scale', () => {
    const result = verdicts([
      row('a', 'fixed', 100, 0, 3),
      row('a', 'max-pressure', 50),
      row('a', 'adaptive', 40),
      row('b', 'actuated', 20),
      row('b', 'adaptive', 19, 1),
    ]);
    expect(result).toMatchObject({
      adaptive_lowest_everywhere: true,
      adaptive_backlog_no_larger: false,
      adaptive_improvement_pct_by_case: { 'a@1': 20, 'b@1': 5 },
      adaptive_mean_improvement_pct: 12.5,
      improvement_target_met: true,
      safety_violations_ours: 0,
      safety_violations_sumo_programs: 3,
    });
    expect(verdicts([row('a', 'webster', 30), row('a', 'adaptive', 31)])).toMatchObject({
      adaptive_lowest_everywhere: false,
      improvement_target_met: false,
    });
  });
});
