import { describe, expect, it } from 'vitest';
import { createAuditLog, redactSecrets } from '../../src/access/index.js';
import { InvalidArgumentError } from '../../src/grpc/index.js';
import { silentLogger } from '../../src/log/logger.js';

function recordingDb() {
  const queries: { text: string; values: unknown[] }[] = [];
  return {
    queries,
    async query(text: string, values: unknown[] = []) {
      queries.push({ text, values });
      return { rows: [] };
    },
  };
}

const alice = { subject: 'alice@tcc', role: 'operator' } as const;

describe('createAuditLog', () => {
  it('inserts one row with the entry, trimmed reason and JSON details', async () => {
    const db = recordingDb();
    const audit = createAuditLog({ db, logger: silentLogger() });
    await audit.record({
      principal: alice,
      action: 'SetOverride',
      target: 'int-42',
      reason: '  incident on Main St  ',
      outcome: 'succeeded',
      details: { planId: 'p7' },
      traceId: 'abc123',
    });
    expect(db.queries).toHaveLength(1);
    expect(db.queries[0]?.text).toMatch(/^INSERT INTO audit_log/);
    expect(db.queries[0]?.values).toEqual([
      'alice@tcc',
      'operator',
      'SetOverride',
      'int-42',
      'incident on Main St',
      'succeeded',
      '{"planId":"p7"}',
      'abc123',
    ]);
  });

  it('refuses an entry without a reason before touching the database', async () => {
    const db = recordingDb();
    const audit = createAuditLog({ db, logger: silentLogger() });
    for (const reason of [undefined, '', '   ']) {
      await expect(
        audit.record({
          principal: alice,
          action: 'SetOverride',
          target: 'int-42',
          reason,
          outcome: 'succeeded',
        }),
      ).rejects.toThrow(InvalidArgumentError);
    }
    await expect(
      audit.record({
        principal: alice,
        action: 'SetOverride',
        target: 'x',
        reason: 'r'.repeat(1001),
        outcome: 'failed',
      }),
    ).rejects.toThrow(/longer than 1000/);
    expect(db.queries).toHaveLength(0);
  });

  it('keeps secrets out of the record', async () => {
    const db = recordingDb();
    const audit = createAuditLog({ db, logger: silentLogger() });
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.c2lnbmF0dXJl';
    await audit.record({
      principal: alice,
      action: 'SetOverride',
      target: 'int-42',
      reason: `pasted ${jwt} by mistake`,
      outcome: 'succeeded',
      details: { token: 'abc', nested: { Authorization: 'Bearer x', note: jwt }, planId: 'p7' },
    });
    const values = db.queries[0]?.values ?? [];
    expect(JSON.stringify(values)).not.toContain(jwt);
    expect(JSON.stringify(values)).not.toContain('Bearer x');
    expect(values[4]).toBe('pasted [redacted] by mistake');
    expect(JSON.parse(values[6] as string)).toEqual({
      token: '[redacted]',
      nested: { Authorization: '[redacted]', note: '[redacted]' },
      planId: 'p7',
    });
  });

  it('redacts arrays and leaves plain values alone', () => {
    expect(redactSecrets([{ password: 'x' }, 3, null])).toEqual([{ password: '[redacted]' }, 3, null]);
  });
});
