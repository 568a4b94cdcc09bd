import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** Starts `pnpm start`'s entry point as its own process with only the given variables. */
function startWith(variables: Record<string, string>) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'services/mesh/src/main.ts'], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...variables },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { code: result.status, stdout: result.stdout, stderrLines: result.stderr.trim().split('\n') };
}

describe('a misconfigured process stops at start with one clear line', () => {
  it.each([
    [
      { KAFKA_BROKERS: 'not a broker list' },
      /^mesh: invalid configuration: KAFKA_BROKERS must be a comma-separated list of host:port/,
    ],
    [{ MESH_HTTP_PORT: 'eighty' }, /^mesh: invalid configuration: MESH_HTTP_PORT must be a port number/],
    [
      { DATABASE_URL: 'mysql://db/x' },
      /^mesh: invalid configuration: DATABASE_URL must be a URL with scheme postgres or postgresql/,
    ],
    [
      { REDIS_URL: 'redis://127.0.0.1:6379' },
      /^mesh: invalid configuration: MOBILITY_AUTH_SECRET is not set \(required whenever real infrastructure is configured\)/,
    ],
    [
      { MESH_REMOTE_SERVICES: 'avl:50051' },
      /^mesh: invalid configuration: MESH_REMOTE_SERVICES must be a comma-separated list of name=host:port/,
    ],
    [
      { MESH_SERVICES: 'ghost' },
      /^mesh: invalid configuration: MESH_SERVICES names unknown service\(s\) ghost \(registered: /,
    ],
    [
      { MOBILITY_AUTH_SECRET: 'too-short-to-be-a-secret' },
      /^mesh: invalid configuration: MOBILITY_AUTH_SECRET must be at least 32 characters/,
    ],
  ])('%o', (variables, expected) => {
    const { code, stdout, stderrLines } = startWith(variables);
    expect(code).toBe(2);
    expect(stderrLines).toHaveLength(1);
    expect(stderrLines[0]).toMatch(expected);
    expect(stdout).toBe('');
  });

  it('refuses a bad start flag with the usage', () => {
    const result = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'services/mesh/src/main.ts', '--size', 'huge'],
      {
        cwd: repoRoot,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
        encoding: 'utf8',
        timeout: 30_000,
      },
    );
    expect(result.status).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^mesh: --size must be one of town, small, medium, large; usage: pnpm start/),
    ]);
    expect(result.stdout).toBe('');
  });

  it('never echoes a secret value back', () => {
    const { stderrLines } = startWith({ MOBILITY_AUTH_SECRET: 'hunter2-hunter2' });
    expect(stderrLines.join('\n')).not.toContain('hunter2');
  });

  it('names every bad variable in the same line', () => {
    const { code, stderrLines } = startWith({ KAFKA_BROKERS: 'x', LOG_LEVEL: 'loud' });
    expect(code).toBe(2);
    expect(stderrLines).toHaveLength(1);
    expect(stderrLines[0]).toContain('KAFKA_BROKERS');
    expect(stderrLines[0]).toContain('LOG_LEVEL');
  });
});
