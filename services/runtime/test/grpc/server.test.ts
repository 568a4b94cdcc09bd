import {
  type ClientReadableStream,
  makeGenericClientConstructor,
  type ServiceDefinition,
  type ServiceError,
  status,
} from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  ALL_ROLES,
  type AuditEntry,
  audited,
  createTokenVerifier,
  definePolicy,
  issueToken,
  principalOf,
  type Role,
} from '../../src/access/index.js';
import {
  createClient,
  createGrpcServer,
  type GrpcServer,
  healthCheck,
  NotFoundError,
  unary,
} from '../../src/grpc/index.js';
import { silentLogger } from '../../src/log/logger.js';
import {
  ControlServiceClient,
  type ControlServiceServer,
  ControlServiceService,
  call,
} from './fixtures/control-service.js';

const SECRET = 'test-secret-0123456789abcdef0123456789';

const policy = definePolicy({
  GetThing: ALL_ROLES,
  SetOverride: ['operator'],
  Hang: ALL_ROLES,
});

async function rejection(promise: Promise<unknown>): Promise<ServiceError> {
  return promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (error: ServiceError) => error,
  );
}

describe('gRPC server with access control', () => {
  let server: GrpcServer;
  let address: string;
  const audits: AuditEntry[] = [];
  const seenMetadata: Record<string, unknown>[] = [];

  beforeAll(async () => {
    const logger = silentLogger();
    const audit = { record: async (entry: AuditEntry) => void audits.push(entry) };
    server = createGrpcServer({ logger, accessControl: { policy, verifier: createTokenVerifier(SECRET) } });
    server.addService(ControlServiceService, {
      getThing: unary(async (request, serverCall) => {
        seenMetadata.push(serverCall.metadata.getMap());
        if (request.id === 'missing') throw new NotFoundError(`thing ${request.id} does not exist`);
        if (request.id === 'boom') throw new Error('connection string postgres://secret@db');
        return { id: request.id, seenBy: principalOf(serverCall).subject };
      }),
      setOverride: audited('SetOverride', async () => ({ applied: true }), {
        audit,
        reasonOf: (request) => request.reason,
        targetOf: (request) => request.intersectionId,
        detailsOf: (request) => ({ planId: request.planId }),
      }),
      hang: () => {},
      unlisted: unary(async (request) => ({ id: request.id, seenBy: 'nobody' })),
    });
    const port = await server.start({ host: '127.0.0.1', port: 0 });
    address = `127.0.0.1:${port}`;
  });
  afterAll(() => server.stop());

  const clientAs = async (role: Role | undefined, options: { secret?: string; subject?: string } = {}) => {
    const token =
      role === undefined
        ? undefined
        : await issueToken(
            { subject: options.subject ?? `${role}-1`, role, ttlSeconds: 60 },
            options.secret ?? SECRET,
          );
    return createClient(ControlServiceClient, address, {
      defaultDeadlineMs: 2000,
      ...(token === undefined ? {} : { token }),
    });
  };

  it('answers health checks without a token, per server and per service', async () => {
    await expect(healthCheck(address)).resolves.toBe('SERVING');
    await expect(healthCheck(address, { service: 'mobility.test.v1.ControlService' })).resolves.toBe(
      'SERVING',
    );
    expect(server.services).toEqual(['mobility.test.v1.ControlService']);
    const unknown = await rejection(healthCheck(address, { service: 'no.such.Service' }));
    expect(unknown.code).toBe(status.NOT_FOUND);
  });

  it('rejects a call without a token as UNAUTHENTICATED', async () => {
    const client = await clientAs(undefined);
    const error = await rejection(call(client.getThing, client, { id: 'a' }));
    expect(error.code).toBe(status.UNAUTHENTICATED);
    expect(error.details).toMatch(/^unauthenticated: no bearer token/);
    client.close();
  });

  it('rejects a forged token as UNAUTHENTICATED', async () => {
    const client = await clientAs('operator', { secret: 'another-secret-0123456789abcdef012345' });
    const error = await rejection(call(client.getThing, client, { id: 'a' }));
    expect(error.code).toBe(status.UNAUTHENTICATED);
    expect(error.details).toContain('signature does not verify');
    client.close();
  });

  it('rejects a role the policy does not list as PERMISSION_DENIED', async () => {
    const client = await clientAs('public');
    const error = await rejection(
      call(client.setOverride, client, { intersectionId: 'i1', planId: 'p', reason: 'x' }),
    );
    expect(error.code).toBe(status.PERMISSION_DENIED);
    expect(error.details).toBe('permission denied: role public may not call SetOverride (allowed: operator)');
    client.close();
  });

  it('denies a method missing from the policy, whatever the role', async () => {
    const client = await clientAs('operator');
    const error = await rejection(call(client.unlisted, client, { id: 'a' }));
    expect(error.code).toBe(status.PERMISSION_DENIED);
    expect(error.details).toContain('not in the access policy');
    client.close();
  });

  it('hands the verified principal to the handler and hides the token from it', async () => {
    const client = await clientAs('planner', { subject: 'pat@planning' });
    await expect(call(client.getThing, client, { id: 'a' })).resolves.toEqual({
      id: 'a',
      seenBy: 'pat@planning',
    });
    expect(seenMetadata.at(-1)).not.toHaveProperty('authorization');
    client.close();
  });

  it('maps domain errors to their status and hides unexpected ones', async () => {
    const client = await clientAs('agency');
    const notFound = await rejection(call(client.getThing, client, { id: 'missing' }));
    expect([notFound.code, notFound.details]).toEqual([status.NOT_FOUND, 'thing missing does not exist']);
    const internal = await rejection(call(client.getThing, client, { id: 'boom' }));
    expect([internal.code, internal.details]).toEqual([status.INTERNAL, 'internal error']);
    client.close();
  });

  it('refuses a state-changing call without a reason and audits one with a reason', async () => {
    const client = await clientAs('operator', { subject: 'alice@tcc' });
    const noReason = await rejection(
      call(client.setOverride, client, { intersectionId: 'i1', planId: 'p2', reason: ' ' }),
    );
    expect(noReason.code).toBe(status.INVALID_ARGUMENT);
    expect(noReason.details).toBe('SetOverride changes live state and needs a reason');
    expect(audits).toHaveLength(0);

    await expect(
      call(client.setOverride, client, { intersectionId: 'i1', planId: 'p2', reason: 'crash at Main/5th' }),
    ).resolves.toEqual({ applied: true });
    expect(audits).toEqual([
      {
        principal: { subject: 'alice@tcc', role: 'operator' },
        action: 'SetOverride',
        target: 'i1',
        reason: 'crash at Main/5th',
        outcome: 'succeeded',
        details: { planId: 'p2' },
      },
    ]);
    client.close();
  });

  it('gives every call a deadline, so a handler that never answers cannot hang the caller', async () => {
    const token = await issueToken({ subject: 'x', role: 'public', ttlSeconds: 60 }, SECRET);
    const client = createClient(ControlServiceClient, address, { defaultDeadlineMs: 200, token });
    const started = Date.now();
    const error = await rejection(call(client.hang, client, { id: 'a' }));
    expect(error.code).toBe(status.DEADLINE_EXCEEDED);
    expect(Date.now() - started).toBeLessThan(2000);
    client.close();
  });

  it('keeps a deadline the caller set itself', async () => {
    const token = await issueToken({ subject: 'x', role: 'public', ttlSeconds: 60 }, SECRET);
    const client = createClient(ControlServiceClient, address, { defaultDeadlineMs: 10_000, token });
    const started = Date.now();
    const error = await rejection(
      new Promise((resolve, reject) =>
        client.hang({ id: 'a' }, { deadline: Date.now() + 100 }, (e: unknown, r: unknown) =>
          e ? reject(e) : resolve(r),
        ),
      ),
    );
    expect(error.code).toBe(status.DEADLINE_EXCEEDED);
    expect(Date.now() - started).toBeLessThan(2000);
    client.close();
  });
});

describe('gRPC server lifecycle', () => {
  it('reports SERVING after start, NOT_SERVING while stopping, and stops within the timeout', async () => {
    const server = createGrpcServer({ logger: silentLogger(), shutdownTimeoutMs: 300 });
    server.addService(ControlServiceService, {
      getThing: unary(async (request) => ({ id: request.id, seenBy: 'anyone' })),
      setOverride: unary(async () => ({ applied: false })),
      hang: () => {},
      unlisted: unary(async (request) => ({ id: request.id, seenBy: 'anyone' })),
    });
    const port = await server.start({ host: '127.0.0.1', port: 0 });
    expect(port).toBeGreaterThan(0);
    await expect(healthCheck(`127.0.0.1:${port}`)).resolves.toBe('SERVING');

    // A Watch stream opened before shutdown sees the switch to NOT_SERVING (load balancers rely on it).
    const HealthClient = makeGenericClientConstructor(
      healthService as unknown as ServiceDefinition,
      'Health',
    );
    const watcher = createClient(HealthClient, `127.0.0.1:${port}`, { defaultDeadlineMs: 5000 });
    const watched: string[] = [];
    const watch = (
      watcher as unknown as { Watch(request: object): ClientReadableStream<{ status: string }> }
    ).Watch({
      service: '',
    });
    watch.on('data', (message) => watched.push(message.status));
    watch.on('error', () => {});
    await vi.waitFor(() => expect(watched).toEqual(['SERVING']));

    // A call still running at shutdown must not hold stop() past the timeout.
    const client = createClient(ControlServiceClient, `127.0.0.1:${port}`, { defaultDeadlineMs: 5000 });
    const pending = call(client.hang, client, { id: 'a' }).catch((error: ServiceError) => error);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    await server.stop();
    expect(Date.now() - started).toBeLessThan(2000);
    expect(watched).toEqual(['SERVING', 'NOT_SERVING']);
    // forceShutdown cut the hanging call.
    expect([status.CANCELLED, status.UNAVAILABLE]).toContain(((await pending) as ServiceError).code);
    client.close();
    watcher.close();
    const after = await rejection(healthCheck(`127.0.0.1:${port}`, { deadlineMs: 300 }));
    expect([status.UNAVAILABLE, status.DEADLINE_EXCEEDED]).toContain(after.code);
    expect(() => server.addService(ControlServiceService, {} as unknown as ControlServiceServer)).toThrow(
      /before start/,
    );
  });
});
