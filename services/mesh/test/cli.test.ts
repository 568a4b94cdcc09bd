import { createTokenVerifier } from '@mobility/runtime';
import { describe, expect, it } from 'vitest';
import { runCli } from '../src/commands/run.js';

const SECRET = 'cli-test-secret-long-enough-for-hs256-0123';

async function cli(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const said: string[] = [];
  const printed: string[] = [];
  const code = await runCli(argv, { say: (line) => said.push(line), env }, (line) => printed.push(line));
  return { code, said, last: JSON.parse(printed.at(-1) ?? 'null') as Record<string, unknown> };
}

describe('pnpm mobility', () => {
  it('mints a token the services accept, for the role asked', async () => {
    const { code, last } = await cli(['token', '--subject', 'alice@tcc', '--role', 'operator'], {
      MOBILITY_AUTH_SECRET: SECRET,
    });
    expect(code).toBe(0);
    const principal = await createTokenVerifier(SECRET)(last.token as string);
    expect(principal).toEqual({ subject: 'alice@tcc', role: 'operator' });
  });

  it('refuses an unknown role with usage, exit 2 and a JSON error line', async () => {
    const { code, said, last } = await cli(['token', '--subject', 'x', '--role', 'root'], {
      MOBILITY_AUTH_SECRET: SECRET,
    });
    expect(code).toBe(2);
    expect(said.join('\n')).toContain('usage: pnpm mobility token');
    expect(last.error).toMatch(/--role must be one of/);
  });

  it('lists the verbs for an unknown verb', async () => {
    const { code, last } = await cli(['frobnicate']);
    expect(code).toBe(2);
    expect(last).toMatchObject({
      error: 'unknown verb frobnicate',
      verbs: expect.arrayContaining(['token', 'topics']),
    });
  });

  it('prints the topic catalogue as the last JSON line', async () => {
    const { code, last } = await cli(['topics']);
    expect(code).toBe(0);
    const names = (last.topics as Array<{ name: string }>).map((topic) => topic.name);
    expect(names).toContain('avl.position-matched.v1');
    expect(names.every((name) => /^[a-z]+\.[a-z-]+\.v\d+$/.test(name))).toBe(true);
  });
});
