/**
 * The time a service acts on. Services read it from their context instead of `Date.now()` so the
 * same code runs live, on an accelerated simulation, or on a replayed trace.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/**
 * A clock that starts at `startMs` and runs `speed` times faster than the wall clock
 * (speed 1 = real time, 60 = one simulated minute per second).
 */
export function createScaledClock(startMs: number, speed: number): Clock {
  if (!(speed > 0)) throw new RangeError(`clock speed must be positive, got ${speed}`);
  const wallStart = Date.now();
  return { now: () => startMs + (Date.now() - wallStart) * speed };
}

/** A clock moved only by hand: for tests and trace replays. */
export interface ManualClock extends Clock {
  set(ms: number): void;
  advance(ms: number): void;
}

export function createManualClock(startMs = 0): ManualClock {
  let current = startMs;
  return {
    now: () => current,
    set: (ms) => {
      current = ms;
    },
    advance: (ms) => {
      current += ms;
    },
  };
}
