import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type ServiceError, status } from '@grpc/grpc-js';
import { createClient, healthCheck } from '@mobility/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HangServiceClient } from './fixtures/hang-service.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const fixture = fileURLToPath(new URL('./fixtures/health-server.ts', import.meta.url));

/** Starts the fixture server in its own Node process and waits for the port it bound. */
function startServerProcess(): Promise<{ child: ChildProcess; port: number; output: () => string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, SHUTDOWN_TIMEOUT_MS: '500' },
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`server process did not start in time:\n${output}`)),
      20_000,
    );
    const onData = () => {
      const match = /^LISTENING (\d+)$/m.exec(output);
      if (!match) return;
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      resolve({ child, port: Number(match[1]), output: () => output });
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server process exited early with ${code}:\n${output}`));
    });
  });
}

function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

describe('gRPC health and deadlines across processes', () => {
  let server: Awaited<ReturnType<typeof startServerProcess>>;

  beforeAll(async () => {
    server = await startServerProcess();
  });
  afterAll(() => {
    // Only if a test failed before the SIGTERM test ran: do not leave the child behind.
    if (server?.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
  });

  it('answers Health/Check with SERVING over the network', async () => {
    await expect(healthCheck(`127.0.0.1:${server.port}`, { deadlineMs: 2000 })).resolves.toBe('SERVING');
    await expect(
      healthCheck(`127.0.0.1:${server.port}`, { service: 'mobility.test.v1.HangService', deadlineMs: 2000 }),
    ).resolves.toBe('SERVING');
  });

  it('fails a call to a handler that never answers with DEADLINE_EXCEEDED', async () => {
    const client = createClient(HangServiceClient, `127.0.0.1:${server.port}`, { defaultDeadlineMs: 300 });
    const started = Date.now();
    const error = await new Promise<ServiceError | null>((resolve) =>
      client.hang({}, (failure) => resolve(failure)),
    );
    expect(error?.code).toBe(status.DEADLINE_EXCEEDED);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(Date.now() - started).toBeLessThan(3000);
    client.close();
  });

  it('shuts down cleanly on SIGTERM (exit code 0) and stops answering', async () => {
    server.child.kill('SIGTERM');
    const exit = await exitOf(server.child);
    expect(exit, server.output()).toEqual({ code: 0, signal: null });
    expect(server.output()).toContain('STOPPED');
    const error = await healthCheck(`127.0.0.1:${server.port}`, { deadlineMs: 500 }).catch(
      (e: ServiceError) => e,
    );
    expect([status.UNAVAILABLE, status.DEADLINE_EXCEEDED]).toContain((error as ServiceError).code);
  });
});
