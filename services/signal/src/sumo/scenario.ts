import { readdir, readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import type { SumoNetwork, SumoSignal } from './network.js';

/** What a scenario folder's .sumocfg says, with paths resolved against the config's folder. */
export interface SumoScenario {
  name: string;
  configPath: string;
  netFile: string;
  routeFiles: string[];
  additionalFiles: string[];
  beginS: number;
  endS: number;
}

export async function findScenario(directory: string): Promise<SumoScenario> {
  let entries: string[];
  try {
    entries = await readdir(directory);
  } catch (error) {
    throw new Error(`cannot read scenario folder ${directory}: ${(error as Error).message}`);
  }
  const configs = entries.filter((entry) => entry.endsWith('.sumocfg'));
  if (configs.length !== 1) {
    throw new Error(`scenario folder ${directory} must hold exactly one .sumocfg (found ${configs.length})`);
  }
  const configPath = resolve(directory, configs[0] as string);
  return parseSumoConfig(await readFile(configPath, 'utf8'), configPath);
}

export function parseSumoConfig(xml: string, configPath: string): SumoScenario {
  const parsed = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(xml) as Record<
    string,
    Record<string, Record<string, Record<string, string>>>
  >;
  const root = parsed.configuration ?? parsed.sumoConfiguration;
  if (!root) throw new Error(`${configPath}: no <configuration> element`);
  const value = (section: string, key: string): string | undefined => root[section]?.[key]?.value;
  const base = dirname(configPath);
  const paths = (text: string | undefined) =>
    (text ?? '')
      .split(/[,\s]+/)
      .filter((part) => part.length > 0)
      .map((part) => (isAbsolute(part) ? part : join(base, part)));
  const netFile = paths(value('input', 'net-file'))[0];
  if (!netFile) throw new Error(`${configPath}: no net-file`);
  const beginS = Number(value('time', 'begin') ?? 0);
  const endText = value('time', 'end');
  if (endText === undefined) throw new Error(`${configPath}: no end time; give --seconds`);
  return {
    name: (configPath.split('/').pop() ?? configPath).replace(/\.sumocfg$/, ''),
    configPath,
    netFile,
    routeFiles: paths(value('input', 'route-files')),
    additionalFiles: paths(value('input', 'additional-files')),
    beginS,
    endS: Number(endText),
  };
}

/** SUMO defaults for actuated phases that the static program does not bound (netconvert's tls.min-dur / tls.max-dur). */
const ACTUATED_MIN_DUR_S = 5;
const ACTUATED_MAX_DUR_S = 50;

/**
 * The network's programs re-declared with type="actuated" (on SUMO 1.15 `netconvert
 * --tls.default-type actuated` leaves existing static programs static). Green phases keep their
 * minDur/maxDur when the net gives them, else get netconvert's actuated defaults; change phases
 * keep their fixed durations. Loading a program with a new programID makes it the active one.
 */
export function actuatedAdditional(network: SumoNetwork): string {
  const lines = ['<additional>'];
  for (const signal of network.signals) lines.push(...actuatedProgram(signal));
  lines.push('</additional>', '');
  return lines.join('\n');
}

function actuatedProgram(signal: SumoSignal): string[] {
  const lines = [
    `    <tlLogic id="${escapeXml(signal.tlsId)}" type="actuated" programID="actuated" offset="${signal.offsetS}">`,
  ];
  for (const phase of signal.phases) {
    const green = /[Gg]/.test(phase.state) && !/[yY]/.test(phase.state);
    if (!green) {
      lines.push(`        <phase duration="${phase.durationS}" state="${phase.state}"/>`);
      continue;
    }
    const minDur = phase.minDurS ?? Math.min(phase.durationS, ACTUATED_MIN_DUR_S);
    const maxDur = phase.maxDurS ?? Math.max(phase.durationS, ACTUATED_MAX_DUR_S);
    lines.push(
      `        <phase duration="${phase.durationS}" state="${phase.state}" minDur="${minDur}" maxDur="${maxDur}"/>`,
    );
  }
  lines.push('    </tlLogic>');
  return lines;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}
