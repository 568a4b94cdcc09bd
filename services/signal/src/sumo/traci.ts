import { connect, type Socket } from 'node:net';
import { frameCommand, frameMessage, Reader, TRACI, type TraciValue, Writer } from './protocol.js';

/** Values of one subscribed object: variable id -> value. */
export type SubscriptionValues = Map<number, TraciValue>;
/** Subscription results of one step: response id (domain) -> object id -> values. */
export type StepResults = Map<number, Map<string, SubscriptionValues>>;

export class TraciError extends Error {
  constructor(
    message: string,
    readonly commandId?: number,
  ) {
    super(message);
    this.name = 'TraciError';
  }
}

interface Pending {
  resolve: (reply: Buffer) => void;
  reject: (error: Error) => void;
}

/**
 * A TraCI client over one TCP connection. Requests are serialised: TraCI answers in order and one
 * message at a time.
 *
 * SUMO 1.15 quirk: in a message holding other commands before a SimStep that advances more than
 * one step, the other commands' replies are lost. `simulationStep` therefore always travels in a
 * message of its own; other commands may be batched with `send`.
 */
export class TraciClient {
  private buffered: Buffer = Buffer.alloc(0);
  private readonly waiting: Pending[] = [];
  private closed = false;
  private chain: Promise<unknown> = Promise.resolve();

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    const fail = (error: Error) => {
      this.closed = true;
      for (const pending of this.waiting.splice(0)) pending.reject(error);
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new TraciError('connection to SUMO closed')));
  }

  /** Connects, retrying while SUMO is still starting up. */
  static async connect(port: number, host = '127.0.0.1', timeoutMs = 20_000): Promise<TraciClient> {
    const deadline = Date.now() + timeoutMs;
    let lastError: unknown;
    while (Date.now() < deadline) {
      try {
        const socket = await new Promise<Socket>((resolve, reject) => {
          const attempt = connect({ port, host }, () => {
            attempt.off('error', reject);
            resolve(attempt);
          });
          attempt.once('error', reject);
        });
        socket.setNoDelay(true);
        return new TraciClient(socket);
      } catch (error) {
        lastError = error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    throw new TraciError(
      `cannot connect to SUMO on ${host}:${port}: ${(lastError as Error)?.message ?? 'timeout'}`,
    );
  }

  private onData(chunk: Buffer): void {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    while (this.buffered.length >= 4) {
      const length = this.buffered.readInt32BE(0);
      if (this.buffered.length < length) return;
      const message = this.buffered.subarray(4, length);
      this.buffered = this.buffered.subarray(length);
      this.waiting.shift()?.resolve(message);
    }
  }

  /** Sends commands in one message and returns a reader positioned after all status responses. */
  private exchange(commands: readonly { id: number; content: Buffer }[]): Promise<Reader> {
    const run = async () => {
      if (this.closed) throw new TraciError('connection to SUMO closed');
      const reply = await new Promise<Buffer>((resolve, reject) => {
        this.waiting.push({ resolve, reject });
        this.socket.write(frameMessage(commands.map((command) => frameCommand(command.id, command.content))));
      });
      return new Reader(reply);
    };
    const result = this.chain.then(run, run);
    this.chain = result.catch(() => undefined);
    return result;
  }

  /** Reads a status response; throws with SUMO's message on an error status. */
  private static status(reader: Reader, expected: number): void {
    const start = reader.position;
    const length = reader.commandLength();
    const id = reader.ubyte();
    const result = reader.ubyte();
    const description = reader.string();
    reader.seek(start + length);
    if (id !== expected)
      throw new TraciError(
        `TraCI answered command 0x${id.toString(16)} for 0x${expected.toString(16)}`,
        expected,
      );
    if (result !== TRACI.RTYPE_OK)
      throw new TraciError(`SUMO refused command 0x${expected.toString(16)}: ${description}`, expected);
  }

  async getVersion(): Promise<{ apiVersion: number; sumo: string }> {
    const reader = await this.exchange([{ id: TRACI.CMD_GETVERSION, content: Buffer.alloc(0) }]);
    TraciClient.status(reader, TRACI.CMD_GETVERSION);
    reader.commandLength();
    reader.ubyte();
    return { apiVersion: reader.int(), sumo: reader.string() };
  }

  /**
   * Advances the simulation to `targetS` (0 = exactly one step), in a message of its own (see the
   * class note), and returns the subscription results of the new step.
   */
  async simulationStep(targetS = 0): Promise<StepResults> {
    const reader = await this.exchange([
      { id: TRACI.CMD_SIMSTEP, content: new Writer().double(targetS).toBuffer() },
    ]);
    TraciClient.status(reader, TRACI.CMD_SIMSTEP);
    const results: StepResults = new Map();
    const count = reader.int();
    for (let index = 0; index < count; index++) {
      const [responseId, objectId, values] = readVariableSubscription(reader);
      let domain = results.get(responseId);
      if (!domain) {
        domain = new Map();
        results.set(responseId, domain);
      }
      domain.set(objectId, values);
    }
    return results;
  }

  /** Subscribes to variables of one object for the whole run (commands 0xd0-0xde). */
  async subscribe(commandId: number, objectId: string, variables: readonly number[]): Promise<void> {
    await this.subscribeMany(commandId, [objectId], variables);
  }

  /** Many subscriptions in one message (they all answer immediately, no SimStep involved). */
  async subscribeMany(
    commandId: number,
    objectIds: readonly string[],
    variables: readonly number[],
  ): Promise<void> {
    const chunkSize = 500;
    for (let start = 0; start < objectIds.length; start += chunkSize) {
      const chunk = objectIds.slice(start, start + chunkSize);
      const commands = chunk.map((objectId) => {
        const content = new Writer()
          .double(-1073741824)
          .double(1073741824)
          .string(objectId)
          .ubyte(variables.length);
        for (const variable of variables) content.ubyte(variable);
        return { id: commandId, content: content.toBuffer() };
      });
      const reader = await this.exchange(commands);
      for (let index = 0; index < chunk.length; index++) {
        TraciClient.status(reader, commandId);
        readVariableSubscription(reader);
      }
    }
  }

  /** Value of one variable of one object (commands 0xa0-0xae). */
  async get(commandId: number, variable: number, objectId: string): Promise<TraciValue> {
    const reader = await this.exchange([
      { id: commandId, content: new Writer().ubyte(variable).string(objectId).toBuffer() },
    ]);
    TraciClient.status(reader, commandId);
    reader.commandLength();
    reader.ubyte();
    reader.ubyte();
    reader.string();
    return reader.typedValue();
  }

  /** Sets signal states of several traffic lights in one message: tlsId -> state string (one char per link). */
  async setRedYellowGreenStates(states: ReadonlyMap<string, string>): Promise<void> {
    if (states.size === 0) return;
    const commands = [...states].map(([tlsId, state]) => ({
      id: TRACI.CMD_SET_TL_VARIABLE,
      content: new Writer()
        .ubyte(TRACI.TL_RED_YELLOW_GREEN_STATE)
        .string(tlsId)
        .ubyte(TRACI.TYPE_STRING)
        .string(state)
        .toBuffer(),
    }));
    const reader = await this.exchange(commands);
    for (let index = 0; index < commands.length; index++)
      TraciClient.status(reader, TRACI.CMD_SET_TL_VARIABLE);
  }

  async setRedYellowGreenState(tlsId: string, state: string): Promise<void> {
    await this.setRedYellowGreenStates(new Map([[tlsId, state]]));
  }

  async setPhase(tlsId: string, phaseIndex: number): Promise<void> {
    const reader = await this.exchange([
      {
        id: TRACI.CMD_SET_TL_VARIABLE,
        content: new Writer()
          .ubyte(TRACI.TL_PHASE_INDEX)
          .string(tlsId)
          .ubyte(TRACI.TYPE_INTEGER)
          .int(phaseIndex)
          .toBuffer(),
      },
    ]);
    TraciClient.status(reader, TRACI.CMD_SET_TL_VARIABLE);
  }

  /** Ends the simulation (SUMO writes its outputs) and the connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    try {
      const reader = await this.exchange([{ id: TRACI.CMD_CLOSE, content: Buffer.alloc(0) }]);
      TraciClient.status(reader, TRACI.CMD_CLOSE);
    } finally {
      this.closed = true;
      this.socket.end();
    }
  }
}

function readVariableSubscription(reader: Reader): [number, string, SubscriptionValues] {
  const start = reader.position;
  const length = reader.commandLength();
  const responseId = reader.ubyte();
  const objectId = reader.string();
  const count = reader.ubyte();
  const values: SubscriptionValues = new Map();
  for (let index = 0; index < count; index++) {
    const variable = reader.ubyte();
    const status = reader.ubyte();
    const value = reader.typedValue();
    if (status !== TRACI.RTYPE_OK)
      throw new TraciError(
        `subscription of ${objectId} variable 0x${variable.toString(16)}: ${String(value)}`,
      );
    values.set(variable, value);
  }
  reader.seek(start + length);
  return [responseId, objectId, values];
}
