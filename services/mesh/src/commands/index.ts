import type { Command } from './command.js';
import { tokenCommand } from './token.js';
import { topicsCommand } from './topics.js';

/** Every verb of `pnpm mobility`. Evaluation commands of later issues register here. */
export const COMMANDS: Readonly<Record<string, Command>> = {
  token: tokenCommand,
  topics: topicsCommand,
};
