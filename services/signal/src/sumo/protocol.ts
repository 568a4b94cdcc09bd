/**
 * TraCI wire format (SUMO's Traffic Control Interface), big-endian throughout:
 * a message is an int32 total length (including itself) followed by commands; a command is
 * ubyte length (including itself) + ubyte id + content, or, when longer than 255 bytes,
 * ubyte 0 + int32 length (including these 5 bytes) + ubyte id + content.
 * Constants are from SUMO's TraCIConstants (checked against /usr/share/sumo/tools/traci/constants.py).
 */

export const TRACI = {
  CMD_GETVERSION: 0x00,
  CMD_SIMSTEP: 0x02,
  CMD_CLOSE: 0x7f,
  CMD_GET_TL_VARIABLE: 0xa2,
  CMD_GET_LANE_VARIABLE: 0xa3,
  CMD_GET_SIM_VARIABLE: 0xab,
  CMD_SET_TL_VARIABLE: 0xc2,
  CMD_SUBSCRIBE_TL_VARIABLE: 0xd2,
  CMD_SUBSCRIBE_LANE_VARIABLE: 0xd3,
  CMD_SUBSCRIBE_SIM_VARIABLE: 0xdb,
  RESPONSE_SUBSCRIBE_TL_VARIABLE: 0xe2,
  RESPONSE_SUBSCRIBE_LANE_VARIABLE: 0xe3,
  RESPONSE_SUBSCRIBE_SIM_VARIABLE: 0xeb,
  // lane variables
  LAST_STEP_VEHICLE_NUMBER: 0x10,
  LAST_STEP_MEAN_SPEED: 0x11,
  LAST_STEP_VEHICLE_ID_LIST: 0x12,
  LAST_STEP_VEHICLE_HALTING_NUMBER: 0x14,
  // traffic light variables
  TL_RED_YELLOW_GREEN_STATE: 0x20,
  TL_PHASE_INDEX: 0x22,
  TL_PROGRAM: 0x23,
  // simulation variables
  VAR_TIME: 0x66,
  VAR_DEPARTED_VEHICLES_NUMBER: 0x73,
  VAR_ARRIVED_VEHICLES_NUMBER: 0x79,
  VAR_MIN_EXPECTED_VEHICLES: 0x7d,
  // value types
  TYPE_POSITION2D: 0x01,
  TYPE_POSITION3D: 0x03,
  TYPE_UBYTE: 0x07,
  TYPE_BYTE: 0x08,
  TYPE_INTEGER: 0x09,
  TYPE_DOUBLE: 0x0b,
  TYPE_STRING: 0x0c,
  TYPE_STRINGLIST: 0x0e,
  TYPE_COMPOUND: 0x0f,
  TYPE_DOUBLELIST: 0x10,
  TYPE_COLOR: 0x11,
  RTYPE_OK: 0x00,
} as const;

export type TraciValue = number | string | string[] | number[] | TraciValue[];

/** Grows as needed; writes big-endian. */
export class Writer {
  private buffer = Buffer.alloc(256);
  private length = 0;

  private reserve(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    const grown = Buffer.alloc(Math.max(this.buffer.length * 2, this.length + bytes));
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }
  ubyte(value: number): this {
    this.reserve(1);
    this.buffer.writeUInt8(value, this.length);
    this.length += 1;
    return this;
  }
  int(value: number): this {
    this.reserve(4);
    this.buffer.writeInt32BE(value, this.length);
    this.length += 4;
    return this;
  }
  double(value: number): this {
    this.reserve(8);
    this.buffer.writeDoubleBE(value, this.length);
    this.length += 8;
    return this;
  }
  string(value: string): this {
    const bytes = Buffer.from(value, 'latin1');
    this.int(bytes.length);
    this.reserve(bytes.length);
    bytes.copy(this.buffer, this.length);
    this.length += bytes.length;
    return this;
  }
  bytes(value: Buffer): this {
    this.reserve(value.length);
    value.copy(this.buffer, this.length);
    this.length += value.length;
    return this;
  }
  toBuffer(): Buffer {
    return this.buffer.subarray(0, this.length);
  }
}

export class Reader {
  private offset = 0;
  constructor(private readonly buffer: Buffer) {}

  get remaining(): number {
    return this.buffer.length - this.offset;
  }
  get position(): number {
    return this.offset;
  }
  seek(position: number): void {
    this.offset = position;
  }
  ubyte(): number {
    const value = this.buffer.readUInt8(this.offset);
    this.offset += 1;
    return value;
  }
  byte(): number {
    const value = this.buffer.readInt8(this.offset);
    this.offset += 1;
    return value;
  }
  int(): number {
    const value = this.buffer.readInt32BE(this.offset);
    this.offset += 4;
    return value;
  }
  double(): number {
    const value = this.buffer.readDoubleBE(this.offset);
    this.offset += 8;
    return value;
  }
  string(): string {
    const length = this.int();
    const value = this.buffer.toString('latin1', this.offset, this.offset + length);
    this.offset += length;
    return value;
  }
  stringList(): string[] {
    const count = this.int();
    const values: string[] = [];
    for (let index = 0; index < count; index++) values.push(this.string());
    return values;
  }
  /** Command length: one byte, or 0 followed by an int32 for long commands. Returns the full length. */
  commandLength(): number {
    const short = this.ubyte();
    return short === 0 ? this.int() : short;
  }
  typedValue(): TraciValue {
    const type = this.ubyte();
    switch (type) {
      case TRACI.TYPE_UBYTE:
        return this.ubyte();
      case TRACI.TYPE_BYTE:
        return this.byte();
      case TRACI.TYPE_INTEGER:
        return this.int();
      case TRACI.TYPE_DOUBLE:
        return this.double();
      case TRACI.TYPE_STRING:
        return this.string();
      case TRACI.TYPE_STRINGLIST:
        return this.stringList();
      case TRACI.TYPE_POSITION2D:
        return [this.double(), this.double()];
      case TRACI.TYPE_POSITION3D:
        return [this.double(), this.double(), this.double()];
      case TRACI.TYPE_COLOR:
        return [this.ubyte(), this.ubyte(), this.ubyte(), this.ubyte()];
      case TRACI.TYPE_DOUBLELIST: {
        const count = this.int();
        const values: number[] = [];
        for (let index = 0; index < count; index++) values.push(this.double());
        return values;
      }
      case TRACI.TYPE_COMPOUND: {
        const count = this.int();
        const values: TraciValue[] = [];
        for (let index = 0; index < count; index++) values.push(this.typedValue());
        return values;
      }
      default:
        throw new Error(`TraCI: unsupported value type 0x${type.toString(16)}`);
    }
  }
}

/** Frames one command (id + content) with its length prefix. */
export function frameCommand(commandId: number, content: Buffer): Buffer {
  const shortLength = 1 + 1 + content.length;
  const writer = new Writer();
  if (shortLength <= 255) writer.ubyte(shortLength);
  else writer.ubyte(0).int(4 + shortLength);
  return writer.ubyte(commandId).bytes(content).toBuffer();
}

/** Frames a whole message: int32 total length + commands. */
export function frameMessage(commands: readonly Buffer[]): Buffer {
  const body = Buffer.concat(commands as Buffer[]);
  const header = Buffer.alloc(4);
  header.writeInt32BE(body.length + 4);
  return Buffer.concat([header, body]);
}
