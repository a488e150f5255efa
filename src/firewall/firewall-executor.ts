// Runs firewall commands through a CommandRunner and logs each one: changes (and iptables -C checks) at info, with
// the output of a failure at warn; reads of the ruleset (iptables-save) at debug. Events and fields are those
// entrypoint.sh logged: FirewallCommand {cmd}, FirewallCommandFailed {cmd, status, output}.

import type { Logger } from '../logger.ts';
import { type CommandResult, type CommandRunner, commandText, NOT_FOUND } from './command-runner.ts';
import type { FirewallCommand } from './firewall-plan.ts';
import { type Backend, type Family, toolName } from './iptables-tools.ts';

/** The pino logger's shape (the CLI passes a pino logger on stderr, the sensor a child of its own). */
export type FirewallLogger = Logger & { fatal(obj: Record<string, unknown>, msg: string): void };

export class FirewallExecutor {
  readonly #runner: CommandRunner;
  readonly log: FirewallLogger;

  constructor(runner: CommandRunner, log: FirewallLogger) {
    this.#runner = runner;
    this.log = log;
  }

  /** Runs a change; a failure is logged with its output and returned, never thrown. */
  async run(c: FirewallCommand): Promise<CommandResult> {
    const cmd = commandText(c.argv);
    this.log.info({ event: 'FirewallCommand', cmd }, c.stdin === undefined ? cmd : `${cmd} < rules`);
    const r = await this.#runner.run(c.argv, c.stdin);
    if (r.status !== 0) {
      const output = (r.stderr + r.stdout).trim();
      this.log.warn({ event: 'FirewallCommandFailed', cmd, status: String(r.status), output }, `${cmd} failed (${r.status})`);
    }
    return r;
  }

  /** iptables -C: its status is the answer, so a non-zero status is not a failure. */
  async check(c: FirewallCommand): Promise<boolean> {
    const cmd = commandText(c.argv);
    this.log.info({ event: 'FirewallCommand', cmd }, cmd);
    return (await this.#runner.run(c.argv)).status === 0;
  }

  /** The filter table of a backend and family, or undefined when that backend is not installed or not usable. */
  async save(backend: Backend, family: Family): Promise<string | undefined> {
    const argv = [toolName(backend, family, 'save')];
    this.log.debug({ event: 'FirewallCommand', cmd: argv[0] }, argv[0]!);
    const r = await this.#runner.run(argv);
    return r.status === 0 ? r.stdout : undefined;
  }

  /** True if the backend's binaries are installed (its -save runs at all). */
  async installed(backend: Backend): Promise<boolean> {
    return (await this.#runner.run([toolName(backend, 4), '--version'])).status !== NOT_FOUND;
  }
}
