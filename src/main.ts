// The `synbait` command: the command line names what to do, and each command lives in its own folder, loaded on
// demand (the sensor does not carry the report's code, nor the report the sensor's). Importing this module does
// nothing; src/bin.mjs calls main().

import { setFlagsFromString } from 'node:v8';
import { hostname } from 'node:os';
import pkg from '../package.json' with { type: 'json' };
import { parseCommandLine, renderHelp, type Command, type SubcommandName } from './cli.ts';
import { ConfigError } from './errors.ts';

/** What a subcommand gets besides its arguments. */
export interface CommandIo {
  readonly stdout: NodeJS.WriteStream;
  readonly stderr: NodeJS.WriteStream;
  readonly env: NodeJS.ProcessEnv;
  readonly hostname: string;
  readonly version: string;
}

type Subcommand = (args: readonly string[], io: CommandIo) => Promise<number | undefined> | number | undefined;

/** One loader per name of cli.ts's SUBCOMMANDS (the type makes them agree). */
const SUBCOMMANDS: Readonly<Record<SubcommandName, () => Promise<Subcommand>>> = {
  report: async () => (await load<typeof import('./report/cli.ts')>('./report/cli.ts')).runReport,
  firewall: async () => (await load<typeof import('./firewall/cli.ts')>('./firewall/cli.ts')).runFirewall,
  'firewall-rules': async () => (await load<typeof import('./firewall/cli.ts')>('./firewall/cli.ts')).runFirewallRules,
  label: async () => (await load<typeof import('./label/cli.ts')>('./label/cli.ts')).runLabel,
  rules: async () => (await load<typeof import('./ruleset/rules-cli.ts')>('./ruleset/rules-cli.ts')).runRules,
};

/** Runs the command line; resolves with the exit status, or undefined when the process should end on its own. */
export async function main(argv: readonly string[]): Promise<number | undefined> {
  const io: CommandIo = { stdout: process.stdout, stderr: process.stderr, env: process.env, hostname: hostname(), version: pkg.version };
  let cmd: Command;
  try {
    cmd = parseCommandLine(argv, io.env, { hostname: io.hostname });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    io.stderr.write(`synbait: ${err.message}\n`);
    return 2;
  }
  switch (cmd.kind) {
    case 'help':
      io.stdout.write(renderHelp(pkg.version));
      return 0;
    case 'version':
      io.stdout.write(`synbait ${pkg.version}\n`);
      return 0;
    case 'subcommand': {
      return (await SUBCOMMANDS[cmd.name]())(cmd.args, io);
    }
    case 'run': {
      // The sensor's old generation may grow by half its live size before it is marked: V8's own factor let it
      // quadruple (15 -> 64 MB) while a flood's records were written, and the 1M-source flood peaked at 159 MB
      // instead of 118 (BENCHMARKS.md; SYN answering and latency unchanged). Only for the sensor: `synbait report`
      // allocates in bulk and runs 20 % slower with it. V8 reads the factor each time it sets a limit.
      setFlagsFromString('--heap-growing-percent=50');
      const { runSensor } = await load<typeof import('./sensor/run-sensor.ts')>('./sensor/run-sensor.ts');
      return runSensor(cmd.settings);
    }
  }
}

/**
 * Loads a module on demand. Under tsx's CommonJS hooks (src/bin.mjs on Node 20) `require` compiles TypeScript and
 * `import()` would not; under its ESM hooks `require` does not exist.
 */
function load<T>(specifier: string): Promise<T> {
  return typeof require === 'function' ? Promise.resolve(require(specifier) as T) : (import(specifier) as Promise<T>);
}
