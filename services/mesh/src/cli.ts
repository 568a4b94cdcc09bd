import type { CommandIO } from '@mobility/runtime';
import { runCli } from './commands/run.js';

// `pnpm mobility <verb>`: people read stderr, scripts read the last line of stdout.
const io: CommandIO = { say: (line) => process.stderr.write(`${line}\n`), env: process.env };
process.exitCode = await runCli(process.argv.slice(2), io, (line) => process.stdout.write(`${line}\n`));
