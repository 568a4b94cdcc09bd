import { randomUUID } from 'node:crypto';
import { type ServiceError, status } from '@grpc/grpc-js';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ALL_ROLES,
  audited,
  createAuditLog,
  createTokenVerifier,
  definePolicy,
  issueToken,
  type Role,
} from '../../src/access/index.js';
import { createClient, createGrpcServer, type GrpcServer, unary } from '../../src/grpc/index.js';
import { silentLogger } from '../../src/log/logger.js';
import { migrate } from '../../src/storage/migrations.js';
import { realInfra, requireListening } from '../support/infra.js';
import { ControlServiceClient, ControlServiceService, call } from './fixtures/control-service.js';

const SECRET = 'test-secret-0123456789abcdef0123456789';

describe('audited gRPC call against a real database', () => {
  const databaseName = `audit_test_${randomUUID().replaceAll('-', '')}`;
  let admin: pg.Client;
  let db: pg.Pool;
  let server: GrpcServer;
  let address: string;

  beforeAll(async () => {
    const adminUrl = new URL(realInfra.databaseUrl);
    await requireListening('TimescaleDB', adminUrl.host);
    admin = new pg.Client({ connectionString: adminUrl.toString() });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${databaseName}`);
    const url = new URL(adminUrl);
    url.pathname = `/${databaseName}`;
    db = new pg.Pool({ connectionString: url.toString(), max: 2 });
    // The runtime's own migrations, exactly as every service gets them.
    await migrate(db, { service: 'audit-test' });

    const logger = silentLogger();
    const audit = createAuditLog({ db, logger });
    server = createGrpcServer({
      logger,
      accessControl: {
        policy: definePolicy({ SetOverride: ['operator'], GetThing: ALL_ROLES }),
        verifier: createTokenVerifier(SECRET),
      },
    });
    server.addService(ControlServiceService, {
      getThing: unary(async (request) => ({ id: request.id, seenBy: '' })),
      setOverride: audited('SetOverride', async (request) => ({ applied: request.planId !== 'locked' }), {
        audit,
        logger,
        reasonOf: (request) => request.reason,
        targetOf: (request) => request.intersectionId,
        detailsOf: (request) => ({ planId: request.planId, token: request.token }),
      }),
      hang: () => {},
      unlisted: unary(async (request) => ({ id: request.id, seenBy: '' })),
    });
    address = `127.0.0.1:${await server.start({ host: '127.0.0.1', port: 0 })}`;
  });

  afterAll(async () => {
    await server?.stop();
    await db?.end();
    await admin?.query(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`);
    await admin?.end();
  });

  const clientAs = async (role: Role, subject: string) =>
    createClient(ControlServiceClient, address, {
      defaultDeadlineMs: 5000,
      token: await issueToken({ subject, role, ttlSeconds: 60 }, SECRET),
    });

  const rows = async () =>
    (await db.query('SELECT * FROM audit_log ORDER BY at')).rows as Record<string, unknown>[];

  it('records an allowed state-changing call, without secrets', async () => {
    const client = await clientAs('operator', 'alice@tcc');
    const token = await issueToken({ subject: 'alice@tcc', role: 'operator', ttlSeconds: 60 }, SECRET);
    await expect(
      call(client.setOverride, client, {
        intersectionId: 'int-42',
        planId: 'p7',
        reason: 'crash at Main/5th',
        token,
      }),
    ).resolves.toEqual({ applied: true });
    const recorded = await rows();
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatchObject({
      subject: 'alice@tcc',
      role: 'operator',
      action: 'SetOverride',
      target: 'int-42',
      reason: 'crash at Main/5th',
      outcome: 'succeeded',
      details: { planId: 'p7', token: '[redacted]' },
    });
    expect(recorded[0]?.at).toBeInstanceOf(Date);
    expect(JSON.stringify(recorded)).not.toContain(token);
    expect(JSON.stringify(recorded)).not.toContain(SECRET);
    client.close();
  });

  it('records nothing for a call refused for its role or for lack of a reason', async () => {
    const before = (await rows()).length;
    const agency = await clientAs('agency', 'agency-1');
    const denied = await call(agency.setOverride, agency, {
      intersectionId: 'int-1',
      planId: 'p',
      reason: 'r',
    }).catch((error: ServiceError) => error);
    expect((denied as ServiceError).code).toBe(status.PERMISSION_DENIED);
    const operator = await clientAs('operator', 'alice@tcc');
    const noReason = await call(operator.setOverride, operator, {
      intersectionId: 'int-1',
      planId: 'p',
    }).catch((error: ServiceError) => error);
    expect((noReason as ServiceError).code).toBe(status.INVALID_ARGUMENT);
    expect(await rows()).toHaveLength(before);
    agency.close();
    operator.close();
  });

  it('keeps unexplained rows out at the table level too', async () => {
    await expect(
      db.query(
        `INSERT INTO audit_log (subject, role, action, target, reason, outcome) VALUES ('a', 'operator', 'X', 't', ' ', 'succeeded')`,
      ),
    ).rejects.toThrow(/check constraint/);
  });
});
