import { kpiCommand, replayBenchCommand, replayCommand } from '@mobility/archive/cli';
import { avlBenchCommand } from '@mobility/avl/bench';
import { avlEvalCommand } from '@mobility/avl/eval';
import { validateGtfsRtCommand } from '@mobility/gtfs-rt/validate';
import { parkingEvalCommand } from '@mobility/parking/eval';
import { routingBenchCommand } from '@mobility/routing/bench';
import { type Command, withSubcommands } from '@mobility/runtime';
import { signalsEvalCommand } from '@mobility/signal/eval';
import { cityBenchCommand } from '@mobility/simulator/bench';
import { tokenCommand } from './token.js';
import { topicsCommand } from './topics.js';

/**
 * Every verb of `pnpm mobility`. Evaluation commands live with the service they measure and are
 * listed here: `eval <what>` (quality against data) and `bench <what>` (speed).
 */
export const COMMANDS: Readonly<Record<string, Command>> = {
  token: tokenCommand,
  topics: topicsCommand,
  replay: replayCommand,
  kpi: kpiCommand,
  eval: withSubcommands('evaluate a service against real data (last line: JSON figures)', {
    avl: avlEvalCommand,
    parking: parkingEvalCommand,
    signals: signalsEvalCommand,
  }),
  validate: withSubcommands('check data against standards (last line: JSON)', {
    'gtfs-rt': validateGtfsRtCommand,
  }),
  bench: withSubcommands('benchmark a service (last line: JSON figures)', {
    avl: avlBenchCommand,
    routing: routingBenchCommand,
    city: cityBenchCommand,
    replay: replayBenchCommand,
  }),
};
