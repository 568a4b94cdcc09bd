import { parkingEvalCommand } from '@mobility/parking/eval';
import { routingBenchCommand } from '@mobility/routing/bench';
import { type Command, withSubcommands } from '@mobility/runtime';
import { tokenCommand } from './token.js';
import { topicsCommand } from './topics.js';

/**
 * Every verb of `pnpm mobility`. Evaluation commands live with the service they measure and are
 * listed here: `eval <what>` (quality against data) and `bench <what>` (speed).
 */
export const COMMANDS: Readonly<Record<string, Command>> = {
  token: tokenCommand,
  topics: topicsCommand,
  eval: withSubcommands('evaluate a service against real data (last line: JSON figures)', {
    parking: parkingEvalCommand,
  }),
  bench: withSubcommands('benchmark a service (last line: JSON figures)', {
    routing: routingBenchCommand,
  }),
};
