import { type CommandIO, ConfigError, UsageError } from '@mobility/runtime';
import { COMMANDS } from './index.js';

/**
 * `pnpm mobility <verb> [...]`. Exit codes: 0 done, 1 the command failed, 2 it was called wrongly.
 * The last line of stdout is always one JSON object (`{"error": ...}` on failure).
 */
export async function runCli(
  argv: readonly string[],
  io: CommandIO,
  print: (line: string) => void,
): Promise<number> {
  const [verb, ...args] = argv;
  const command = verb ? COMMANDS[verb] : undefined;
  if (!command) {
    io.say('usage: pnpm mobility <verb> [options]');
    for (const [name, entry] of Object.entries(COMMANDS)) io.say(`  ${name.padEnd(12)} ${entry.summary}`);
    print(
      JSON.stringify({
        error: verb ? `unknown verb ${verb}` : 'no verb given',
        verbs: Object.keys(COMMANDS),
      }),
    );
    return 2;
  }
  try {
    print(JSON.stringify(await command.run(args, io)));
    return 0;
  } catch (error) {
    const usage =
      error instanceof UsageError ||
      error instanceof ConfigError ||
      (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    const message = error instanceof Error ? error.message : String(error);
    if (usage) io.say(`usage: pnpm mobility ${command.usage}`);
    io.say(`${verb}: ${message}`);
    print(JSON.stringify({ error: message }));
    return usage ? 2 : 1;
  }
}
