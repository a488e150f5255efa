// The seam between firewall decisions and the iptables binaries (tailscale's linuxfw runs commands the same way, so
// its tests use fake binaries): every decision takes a runner, tests pass a fake one, and only
// child-process-runner.ts starts processes.

export interface CommandResult {
  /** Exit status; 127 when the command is not installed (as a shell says), 128+N when killed by signal N. */
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CommandRunner {
  run(argv: readonly string[], stdin?: string): Promise<CommandResult>;
}

export const NOT_FOUND = 127;

/** `iptables-nft -w -C INPUT -j SYNBAIT-INPUT`: how a command is shown in logs and plans. */
export function commandText(argv: readonly string[]): string {
  return argv.join(' ');
}
