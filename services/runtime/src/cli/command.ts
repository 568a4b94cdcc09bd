/**
 * A verb of `pnpm mobility <verb>`. Evaluation commands follow one contract: human-readable lines
 * first (to stderr or stdout), and the figures as ONE JSON object on the last line of stdout. The
 * CLI prints that line from what `run` returns, so no verb can break the contract.
 */
export interface Command {
  summary: string;
  usage: string;
  run(args: readonly string[], io: CommandIO): Promise<Record<string, unknown>>;
}

export interface CommandIO {
  /** A line for people; never the final JSON line. */
  say(line: string): void;
  env: NodeJS.ProcessEnv;
}

/** A mistake in how the command was called: printed with the usage, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * A verb with sub-verbs (`eval parking`, `bench routing`): each service contributes its own, and
 * the verb lists them when called without one.
 */
export function withSubcommands(summary: string, subcommands: Readonly<Record<string, Command>>): Command {
  const names = Object.keys(subcommands);
  return {
    summary,
    usage: `<${names.join('|')}> [options]`,
    async run([name, ...args], io) {
      const sub = name ? subcommands[name] : undefined;
      if (!sub) {
        for (const [subName, entry] of Object.entries(subcommands))
          io.say(`  ${subName.padEnd(12)} ${entry.summary}`);
        throw new UsageError(
          name
            ? `unknown subcommand ${name} (known: ${names.join(', ')})`
            : `name one of ${names.join(', ')}`,
        );
      }
      return sub.run(args, io);
    },
  };
}
