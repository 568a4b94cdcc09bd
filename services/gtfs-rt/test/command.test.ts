import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { type CommandIO, UsageError } from '@mobility/runtime';
import { SHARED_DATA, sharedDataAvailable } from '@mobility/runtime/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateGtfsRtCommand } from '../src/validate/command.js';

const DIR = join(SHARED_DATA, 'gtfs-rt/caltrain');
const available = sharedDataAvailable('gtfs-rt/caltrain/ct.zip', 'gtfs-rt/caltrain/ct-trip-updates.pb');

/** Runs the command as `pnpm mobility` does: people's lines, then the JSON line (or an error line). */
async function run(args: string[]): Promise<{ lines: string[]; last: Record<string, unknown> }> {
  const lines: string[] = [];
  const io: CommandIO = { say: (line) => lines.push(line), env: {} };
  try {
    const result = await validateGtfsRtCommand.run(args, io);
    lines.push(JSON.stringify(result));
  } catch (error) {
    lines.push(JSON.stringify({ error: (error as Error).message }));
  }
  return { lines, last: JSON.parse(lines.at(-1) as string) as Record<string, unknown> };
}

describe('validate gtfs-rt: arguments', () => {
  it('requires --gtfs and --feed and rejects unknown flags', async () => {
    const io: CommandIO = { say: () => {}, env: {} };
    await expect(validateGtfsRtCommand.run(['--feed', 'x.pb'], io)).rejects.toThrow(UsageError);
    await expect(validateGtfsRtCommand.run(['--gtfs', 'x.zip'], io)).rejects.toThrow(/--feed/);
    await expect(
      validateGtfsRtCommand.run(['--gtfs', 'x.zip', '--feed', 'y', '--fast', '1'], io),
    ).rejects.toThrow(/unknown flag --fast/);
    await expect(
      validateGtfsRtCommand.run(['--gtfs', 'x.zip', '--feed', 'y', '--now', 'soon'], io),
    ).rejects.toThrow(/--now/);
  });
});

describe.skipIf(!available)('validate gtfs-rt on the Caltrain files', () => {
  let server: Server;
  let base: string;

  beforeAll(async () => {
    const body = readFileSync(join(DIR, 'ct-trip-updates.pb'));
    server = createServer((request, response) => {
      if (request.url === '/trip-updates.pb') {
        response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end(body);
      } else response.writeHead(404).end('not here');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it.each([
    ['ct-trip-updates.pb', {}],
    // The 14 vehicle trip descriptors lack schedule_relationship (see caltrain.test.ts).
    ['ct-vehicle-positions.pb', { W009: 14 }],
  ])('%s: last line is the JSON summary', async (file, warnings) => {
    const { lines, last } = await run(['--gtfs', join(DIR, 'ct.zip'), '--feed', join(DIR, file)]);
    expect(last.errors).toEqual({});
    expect(last.warnings).toEqual(warnings);
    expect(last.entities).toBeGreaterThan(0);
    expect(lines.some((line) => line.includes('"now" =') && line.includes('header timestamp'))).toBe(true);
  });

  it('prints the notices of each rule before the JSON line', async () => {
    // Judged against a "now" an hour after the feed was written, the feed is stale (W008).
    const { lines, last } = await run([
      '--gtfs',
      join(DIR, 'ct.zip'),
      '--feed',
      join(DIR, 'ct-trip-updates.pb'),
      '--now',
      String(1_699_405_534 + 3600),
    ]);
    expect(last.warnings).toEqual({ W008: 1 });
    const heading = lines.findIndex((line) => line.startsWith('W008 warning x1'));
    expect(heading).toBeGreaterThanOrEqual(0);
    expect(lines[heading + 1]).toMatch(/3600 s old/);
  });

  it('fetches a URL and judges its age against the time of the fetch', async () => {
    const { last } = await run(['--gtfs', join(DIR, 'ct.zip'), '--feed', `${base}/trip-updates.pb`]);
    expect(last.entities).toBe(19);
    expect(last.errors).toEqual({});
    // The captured feed is from 2023: fetched now, it is far older than 65 s.
    expect(last.warnings).toEqual({ W008: 1 });
  });

  it('ends with an error line for an unreadable file, a failed fetch or bytes that are not a feed', async () => {
    const gtfs = join(DIR, 'ct.zip');
    const missing = await run(['--gtfs', gtfs, '--feed', join(DIR, 'nope.pb')]);
    expect(missing.last.error).toMatch(/cannot read --feed .*nope\.pb/);
    const notFound = await run(['--gtfs', gtfs, '--feed', `${base}/other.pb`]);
    expect(notFound.last.error).toMatch(/HTTP 404/);
    const notProtobuf = await run(['--gtfs', gtfs, '--feed', join(DIR, 'SOURCE.txt')]);
    expect(notProtobuf.last.error).toMatch(/not a GTFS-realtime/);
    const badGtfs = await run([
      '--gtfs',
      join(DIR, 'ct-trip-updates.pb'),
      '--feed',
      join(DIR, 'ct-trip-updates.pb'),
    ]);
    expect(badGtfs.last.error).toMatch(/cannot read --gtfs/);
  });
});
