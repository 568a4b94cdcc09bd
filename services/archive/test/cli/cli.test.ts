import { UsageError } from '@mobility/runtime';
import { describe, expect, it } from 'vitest';
import { kpiCommand, replayCommand } from '../../src/cli/index.js';
import { parseArgs, parseDuration, parseInstant } from '../../src/cli/support.js';

const io = { say: () => undefined, env: {} };

describe('archive CLI arguments', () => {
  it('reads flags and positional words, refusing unknown flags and missing values', () => {
    const { flags, positional } = parseArgs(['on-time', '--from', 'a', '--csv', 'out.csv'], ['from', 'csv']);
    expect(positional).toEqual(['on-time']);
    expect(Object.fromEntries(flags)).toEqual({ from: 'a', csv: 'out.csv' });
    expect(() => parseArgs(['--speed', '60'], ['from'])).toThrow(UsageError);
    expect(() => parseArgs(['--from'], ['from'])).toThrow(/needs a value/);
  });

  it('takes times only with a zone, and durations with a unit', () => {
    expect(parseInstant('from', '2026-11-23T06:00:00Z')).toBe(Date.UTC(2026, 10, 23, 6));
    expect(parseInstant('from', '2026-11-23T07:00:00+01:00')).toBe(Date.UTC(2026, 10, 23, 6));
    expect(() => parseInstant('from', '2026-11-23T06:00:00')).toThrow(/time zone/);
    expect(() => parseInstant('to', undefined)).toThrow(/--to is required/);
    expect(() => parseInstant('to', 'yesterdayZ')).toThrow(/not a valid/);
    expect([
      parseDuration('b', '90s'),
      parseDuration('b', '15m'),
      parseDuration('b', '1h'),
      parseDuration('b', '1d'),
    ]).toEqual([90_000, 900_000, 3_600_000, 86_400_000]);
    expect(() => parseDuration('bucket', '1 hour')).toThrow(UsageError);
  });

  it('refuses a bad replay or KPI request before connecting to anything', async () => {
    await expect(replayCommand.run(['--from', '2026-11-23T06:00:00Z'], io)).rejects.toThrow(
      /--to is required/,
    );
    await expect(
      replayCommand.run(
        ['--from', '2026-11-23T06:00:00Z', '--to', '2026-11-23T07:00:00Z', '--speed', '0'],
        io,
      ),
    ).rejects.toThrow(/speed/);
    await expect(replayCommand.run(['pause', 'r1'], io)).rejects.toThrow(/--reason/);
    await expect(kpiCommand.run(['happiness'], io)).rejects.toThrow(/unknown KPI/);
    await expect(
      kpiCommand.run(['on-time', '--from', '2026-11-23T06:00:00Z', '--to', '2026-11-23T05:00:00Z'], io),
    ).rejects.toThrow(/after/);
  });
});
