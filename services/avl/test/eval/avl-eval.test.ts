import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readGtfsFile } from '@mobility/gtfs';
import { type CommandIO, UsageError } from '@mobility/runtime';
import { SHARED_DATA, sharedDataAvailable } from '@mobility/runtime/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildTransitNetwork, type TransitNetwork } from '../../src/domain/index.js';
import {
  avlEvalCommand,
  evaluateTrace,
  parsePingTrace,
  replayTrace,
  type TracePing,
  withinCalItp,
  withinMbta,
} from '../../src/eval/index.js';

const io: CommandIO = { say: () => {}, env: {} };
const DIR = 'avl/wmata-2026-02-16';
const available = sharedDataAvailable(`${DIR}/gtfs.zip`, `${DIR}/pings.csv`);

describe('accuracy rules', () => {
  it('applies the MBTA bins and the Cal-ITP curve (error = actual - predicted)', () => {
    expect(withinMbta(120, 60)).toBe(true);
    expect(withinMbta(120, 61)).toBe(false);
    expect(withinMbta(300, 115)).toBe(true);
    expect(withinMbta(300, -95)).toBe(false);
    expect(withinMbta(20 * 60, 350)).toBe(true);
    expect(withinMbta(31 * 60, 0)).toBe(false);
    // t = 10 min: -60 ln(11.3) = -145.5 < e < 60 ln(11.5) = 146.5
    expect(withinCalItp(600, 146)).toBe(true);
    expect(withinCalItp(600, 147)).toBe(false);
    expect(withinCalItp(600, -146)).toBe(false);
  });

  it('refuses missing flags', async () => {
    await expect(avlEvalCommand.run(['--gtfs', 'x.zip'], io)).rejects.toBeInstanceOf(UsageError);
    await expect(avlEvalCommand.run(['--pings', 'x.csv', '--bogus', '1'], io)).rejects.toBeInstanceOf(
      UsageError,
    );
  });
});

describe.skipIf(!available)('eval avl on the first 40 minutes of the real WMATA trace', () => {
  let network: TransitNetwork;
  let slice: TracePing[];

  beforeAll(async () => {
    network = buildTransitNetwork(await readGtfsFile(join(SHARED_DATA, DIR, 'gtfs.zip')));
    const text = await readFile(join(SHARED_DATA, DIR, 'pings.csv'), 'utf8');
    const all = parsePingTrace(text);
    const start = Math.min(...all.map((ping) => ping.timestampMs));
    slice = all.filter((ping) => ping.timestampMs < start + 40 * 60_000);
  }, 60_000);

  it('replays with trip ids: every ping matched to its trip, predictions better than schedule + delay', () => {
    const result = replayTrace(network, slice);
    expect(result.tripMatchEligible).toBeGreaterThan(1000);
    expect(result.tripMatchCorrect / result.tripMatchEligible).toBeGreaterThan(0.99);
    const model = result.scored.model.summary();
    const baseline = result.scored.baseline.summary();
    expect(model.count).toBeGreaterThan(5000);
    expect(model.mbtaPct).toBeGreaterThan(baseline.mbtaPct);
    expect(model.medianAbsErrS).toBeLessThan(baseline.medianAbsErrS);
  });

  it('replays without trip ids and still finds most trips', () => {
    const result = replayTrace(network, slice, { stripTripIds: true });
    expect(result.tripMatchCorrect / result.tripMatchEligible).toBeGreaterThan(0.6);
    expect(result.scored.model.count).toBeGreaterThan(3000);
  });

  it('reports the figures the issue names, counting an unreadable row as rejected', () => {
    const [unreadable] = parsePingTrace(
      'id,vehicle.vehicle.id,vehicle.position.latitude,vehicle.position.longitude,vehicle.timestamp\n1,9999,abc,def,1771257600\n',
    );
    const out = evaluateTrace(network, [...slice, unreadable as TracePing], false);
    expect(out.pings).toBe(slice.length + 1);
    expect(out.rejected).toBeGreaterThanOrEqual(1);
    for (const key of [
      'trip_match_pct',
      'predictions',
      'mbta_bin_pct',
      'calitp_pct',
      'median_abs_err_s',
      'baseline_mbta_bin_pct',
      'baseline_calitp_pct',
      'baseline_median_abs_err_s',
      'mbta_bin_pct_0_3',
      'calitp_pct_12_30',
      'baseline_median_abs_err_s_6_12',
    ]) {
      expect(typeof out[key], key).toBe('number');
    }
  });
});
