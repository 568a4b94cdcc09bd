import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { SignalColour, SignalState } from '../domain/model.js';
import {
  createSafetyGuard,
  createSignalMonitor,
  type SafetyGuard,
  type SignalMonitor,
} from '../domain/safety.js';
import {
  createStrategy,
  type Strategy,
  type StrategyName,
  type StrategyOptions,
} from '../domain/strategy.js';
import { parseSumoNetwork, type SumoNetwork, type SumoSignal } from './network.js';
import { JunctionObserver, type LaneReading } from './observer.js';
import { TRACI } from './protocol.js';
import { actuatedAdditional, findScenario, type SumoScenario } from './scenario.js';
import { TraciClient } from './traci.js';

export type ControllerName = 'fixed' | 'actuated' | StrategyName;
export const CONTROLLER_NAMES: readonly ControllerName[] = [
  'fixed',
  'actuated',
  'webster',
  'max-pressure',
  'adaptive',
];

export interface ScenarioRunOptions {
  scenarioDir: string;
  controller: ControllerName;
  /** Simulated seconds from the config's begin; the config's own end when absent. */
  seconds?: number;
  demandScale?: number;
  /** SUMO's --seed; SUMO's default seed when absent. */
  seed?: number;
  /** Folder for the tripinfo and generated files. */
  workDir: string;
  sumoBinary?: string;
  strategyOptions?: StrategyOptions;
}

export interface ScenarioRunResult {
  scenario: SumoScenario;
  endS: number;
  tripinfoPath: string;
  /** Rule breaks seen in the signal states SUMO actually showed (read back every step). */
  shownViolations: number;
  /** Rule breaks the safety guards counted in what they produced (our controllers only). */
  guardViolations: number;
  signals: number;
  /** Stage changes the guards carried out (our controllers only). */
  stageChanges: number;
  /**
   * Signal-steps where SUMO showed exactly the state our guard had set (our controllers only), out
   * of `controlledSignalSteps`: proof that the controller, not SUMO's program, drove the lights.
   */
  matchingSignalSteps: number;
  controlledSignalSteps: number;
  steps: number;
}

/**
 * Runs a scenario headless in SUMO with the chosen controller in the loop. `fixed` leaves the net's
 * own programs running, `actuated` loads them re-declared as actuated; the others drive every
 * signal from this service's strategy + safety guard through TraCI, one decision per second.
 * Whatever the controller, the states SUMO shows are read back and checked by an independent monitor.
 */
export async function runScenario(options: ScenarioRunOptions): Promise<ScenarioRunResult> {
  const scenario = await findScenario(options.scenarioDir);
  const network = parseSumoNetwork(await readFile(scenario.netFile, 'utf8'));
  const endS = options.seconds === undefined ? scenario.endS : scenario.beginS + options.seconds;
  const tripinfoPath = join(options.workDir, 'tripinfo.xml');
  const additional = [...scenario.additionalFiles];
  if (options.controller === 'actuated') {
    const path = join(options.workDir, 'actuated.add.xml');
    await writeFile(path, actuatedAdditional(network));
    additional.push(path);
  }
  const port = await freePort();
  const args = [
    '-c',
    scenario.configPath,
    '--remote-port',
    String(port),
    '--end',
    String(endS),
    '--step-length',
    '1',
    '--no-step-log',
    '--no-warnings',
    '--duration-log.disable',
    '--xml-validation',
    'never',
    '--tripinfo-output',
    tripinfoPath,
    '--tripinfo-output.write-unfinished',
    '--tripinfo-output.write-undeparted',
    '--scale',
    String(options.demandScale ?? 1),
  ];
  if (additional.length > 0) args.push('--additional-files', additional.join(','));
  if (options.seed !== undefined) args.push('--seed', String(options.seed));

  const sumo = spawn(options.sumoBinary ?? 'sumo', args, {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, SUMO_HOME: process.env.SUMO_HOME ?? '/usr/share/sumo' },
  });
  let stderr = '';
  sumo.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => sumo.once('exit', (code) => resolve(code)));
  sumo.once('error', () => undefined);

  let client: TraciClient | undefined;
  try {
    client = await Promise.race([
      TraciClient.connect(port),
      exited.then((code) => {
        throw new Error(`sumo exited (${code}) before accepting TraCI: ${stderr.trim()}`);
      }),
    ]);
    const loop = await controlLoop(client, network, options, endS);
    await client.close();
    client = undefined;
    const code = await exited;
    if (code !== 0) throw new Error(`sumo exited with ${code}: ${stderr.trim()}`);
    return { scenario, endS, tripinfoPath, ...loop };
  } catch (error) {
    sumo.kill();
    if (stderr.trim()) (error as Error).message += ` (sumo: ${stderr.trim()})`;
    throw error;
  } finally {
    if (client) await client.close().catch(() => undefined);
  }
}

interface ControlledSignal {
  signal: SumoSignal;
  observer: JunctionObserver;
  strategy: Strategy;
  initialStageId: string;
  /** Created at the first step, so the guard's clock starts at the simulation's. */
  guard?: SafetyGuard;
  lastState?: string;
  changes: number;
}

async function controlLoop(
  client: TraciClient,
  network: SumoNetwork,
  options: ScenarioRunOptions,
  endS: number,
): Promise<Omit<ScenarioRunResult, 'scenario' | 'endS' | 'tripinfoPath'>> {
  const ours = options.controller !== 'fixed' && options.controller !== 'actuated';
  const monitors = new Map<string, SignalMonitor>(
    network.signals.map((signal) => [signal.tlsId, createSignalMonitor(signal.model)]),
  );
  await client.subscribe(TRACI.CMD_SUBSCRIBE_SIM_VARIABLE, '', [TRACI.VAR_TIME]);
  await client.subscribeMany(
    TRACI.CMD_SUBSCRIBE_TL_VARIABLE,
    network.signals.map((signal) => signal.tlsId),
    [TRACI.TL_RED_YELLOW_GREEN_STATE],
  );

  const controlled: ControlledSignal[] = [];
  if (ours) {
    const counts = new Set<string>();
    const withIds = new Set<string>();
    for (const signal of network.signals) {
      const observer = new JunctionObserver(signal, network);
      const lanes = observer.lanesToWatch();
      for (const lane of lanes.counts) counts.add(lane);
      for (const lane of lanes.withIds) withIds.add(lane);
      const initialStage = signal.model.stages[0]?.id;
      if (!initialStage) continue;
      controlled.push({
        signal,
        observer,
        strategy: createStrategy(options.controller as StrategyName, signal.model, options.strategyOptions),
        initialStageId: initialStage,
        changes: 0,
      });
    }
    const plain = [...counts].filter((lane) => !withIds.has(lane));
    const countVars = [TRACI.LAST_STEP_VEHICLE_NUMBER, TRACI.LAST_STEP_VEHICLE_HALTING_NUMBER];
    await client.subscribeMany(TRACI.CMD_SUBSCRIBE_LANE_VARIABLE, plain, countVars);
    await client.subscribeMany(
      TRACI.CMD_SUBSCRIBE_LANE_VARIABLE,
      [...withIds],
      [...countVars, TRACI.LAST_STEP_VEHICLE_ID_LIST],
    );
  }

  let steps = 0;
  let matchingSignalSteps = 0;
  let controlledSignalSteps = 0;
  for (;;) {
    const results = await client.simulationStep(0);
    steps++;
    const nowS = Number(
      results.get(TRACI.RESPONSE_SUBSCRIBE_SIM_VARIABLE)?.get('')?.get(TRACI.VAR_TIME) ?? Number.NaN,
    );
    if (!Number.isFinite(nowS)) throw new Error('SUMO did not report the simulation time');

    const shown = results.get(TRACI.RESPONSE_SUBSCRIBE_TL_VARIABLE);
    for (const signal of network.signals) {
      const state = shown?.get(signal.tlsId)?.get(TRACI.TL_RED_YELLOW_GREEN_STATE);
      if (typeof state === 'string') monitors.get(signal.tlsId)?.observe(coloursShown(signal, state), nowS);
    }

    if (ours) {
      const readings = laneReadings(results.get(TRACI.RESPONSE_SUBSCRIBE_LANE_VARIABLE));
      const changes = new Map<string, string>();
      for (const entry of controlled) {
        if (entry.lastState !== undefined) {
          controlledSignalSteps++;
          if (shown?.get(entry.signal.tlsId)?.get(TRACI.TL_RED_YELLOW_GREEN_STATE) === entry.lastState) {
            matchingSignalSteps++;
          }
        }
        entry.guard ??= createSafetyGuard(entry.signal.model, entry.initialStageId, nowS);
        const before = entry.guard.state();
        const observation = entry.observer.observe(nowS, readings, {
          currentStageId: before.stageId,
          stageElapsedS: before.phase === 'green' ? nowS - before.sinceS : 0,
          inTransition: before.phase !== 'green',
        });
        entry.guard.request(entry.strategy.decide(observation), nowS);
        const after = entry.guard.step(nowS);
        if (after.phase === 'green' && after.stageId !== before.stageId) entry.changes++;
        const state = stateString(entry.signal, after);
        if (state !== entry.lastState) {
          changes.set(entry.signal.tlsId, state);
          entry.lastState = state;
        }
      }
      await client.setRedYellowGreenStates(changes);
    }
    if (nowS >= endS) break;
  }

  let shownViolations = 0;
  for (const monitor of monitors.values()) shownViolations += monitor.violations();
  let guardViolations = 0;
  let stageChanges = 0;
  for (const entry of controlled) {
    guardViolations += entry.guard?.violations() ?? 0;
    stageChanges += entry.changes;
  }
  return {
    shownViolations,
    guardViolations,
    signals: network.signals.length,
    stageChanges,
    steps,
    matchingSignalSteps,
    controlledSignalSteps,
  };
}

function laneReadings(results: Map<string, Map<number, unknown>> | undefined): Map<string, LaneReading> {
  const readings = new Map<string, LaneReading>();
  for (const [lane, values] of results ?? []) {
    const reading: LaneReading = {
      vehicles: Number(values.get(TRACI.LAST_STEP_VEHICLE_NUMBER) ?? 0),
      halting: Number(values.get(TRACI.LAST_STEP_VEHICLE_HALTING_NUMBER) ?? 0),
    };
    const ids = values.get(TRACI.LAST_STEP_VEHICLE_ID_LIST);
    if (Array.isArray(ids)) reading.vehicleIds = ids as string[];
    readings.set(lane, reading);
  }
  return readings;
}

/**
 * The SUMO state string for what the guard shows: each link takes its group's colour; green links
 * keep the priority (G) or permissive (g) of the program's own green phase, red links keep a
 * right-on-red 's' where the program has one; links outside any group keep the program's character.
 */
export function stateString(signal: SumoSignal, state: SignalState): string {
  const reference = signal.stageStates.get(state.stageId) ?? '';
  const target = state.nextStageId ? (signal.stageStates.get(state.nextStageId) ?? reference) : reference;
  const chars = [...reference.padEnd(signal.linkCount, 'r')];
  for (const [groupId, indices] of signal.groupLinks) {
    const colour = state.colours[groupId] ?? 'red';
    for (const index of indices) {
      if (colour === 'green') {
        const own = reference[index];
        chars[index] = own === 'G' || own === 'g' ? own : (target[index] ?? 'G');
      } else if (colour === 'yellow') chars[index] = 'y';
      else chars[index] = reference[index] === 's' ? 's' : 'r';
    }
  }
  return chars.join('');
}

/** Colours per group from a state string SUMO reports: any green link makes the group green. */
export function coloursShown(signal: SumoSignal, state: string): SignalState {
  const colours: Record<string, SignalColour> = {};
  for (const [groupId, indices] of signal.groupLinks) {
    let colour: SignalColour = 'red';
    for (const index of indices) {
      const char = state[index];
      if (char === 'G' || char === 'g') colour = 'green';
      else if ((char === 'y' || char === 'Y') && colour === 'red') colour = 'yellow';
    }
    colours[groupId] = colour;
  }
  return { stageId: '', phase: 'green', sinceS: 0, colours };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
