import { describe, expect, it } from 'vitest';
import { delayFigures, parseTripinfo, percentile } from '../../src/eval/tripinfo.js';

const TRIPINFO = `<?xml version="1.0" encoding="UTF-8"?>
<tripinfos>
    <tripinfo id="done" depart="10.00" departDelay="2.00" arrival="80.00" duration="70.00" waitingCount="1" timeLoss="20.00" vaporized=""/>
    <tripinfo id="driving" depart="50.00" departDelay="0.00" arrival="-1.00" duration="50.00" waitingCount="3" timeLoss="30.00" vaporized="end"/>
    <tripinfo id="never-in" depart="-1" departDelay="40.00" arrival="-1.00" duration="0.00" waitingCount="0" timeLoss="0.00" vaporized="end"/>
    <tripinfo id="after-end" depart="-1" departDelay="-5.00" arrival="-1.00" duration="0.00" waitingCount="0" timeLoss="0.00" vaporized="end"/>
</tripinfos>`;

describe('tripinfo figures', () => {
  it('counts every due vehicle once: finished, still driving and never inserted', () => {
    const trips = parseTripinfo(TRIPINFO);
    expect(trips).toHaveLength(4);
    const figures = delayFigures(trips);
    // delays: 20+2, 30+0, 0+40; the vehicle planned after the end is not due.
    expect(figures).toEqual({
      vehicles: 3,
      arrived: 1,
      backlog: 1,
      mean_delay_s: 30.67,
      p95_delay_s: 40,
      mean_stops: 1.333,
    });
  });

  it('reads an empty run and computes nearest-rank percentiles', () => {
    expect(delayFigures(parseTripinfo('<tripinfos/>'))).toMatchObject({ vehicles: 0, mean_delay_s: 0 });
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.95)).toBe(10);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.5)).toBe(5);
  });
});
