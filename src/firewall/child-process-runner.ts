// The real CommandRunner: node:child_process, no shell (arguments are never re-parsed), stdin when given, a
// deadline so a wedged iptables (a held xtables lock) cannot hang `synbait firewall up` forever.

import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { type CommandResult, type CommandRunner, NOT_FOUND } from './command-runner.ts';

const DEFAULT_TIMEOUT_MS = 60_000;

export function childProcessRunner(env: NodeJS.ProcessEnv = process.env, timeoutMs = DEFAULT_TIMEOUT_MS): CommandRunner {
  return { run: (argv, stdin) => runCommand(argv, stdin, env, timeoutMs) };
}

function runCommand(argv: readonly string[], stdin: string | undefined, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<CommandResult> {
  return new Promise((resolve) => {
    const [cmd, ...args] = argv;
    const child = spawn(cmd!, args, { env, stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], timeout: timeoutMs });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (err: NodeJS.ErrnoException) => {
      resolve({ status: err.code === 'ENOENT' ? NOT_FOUND : 126, stdout, stderr: stderr + err.message });
    });
    child.on('close', (code, signal) => {
      const status = code ?? 128 + (signal ? constants.signals[signal] : 0);
      resolve({ status, stdout, stderr: signal ? `${stderr}killed by ${signal}` : stderr });
    });
    if (stdin !== undefined) {
      child.stdin!.on('error', () => { /* the command exited before reading: its status says why */ });
      child.stdin!.end(stdin);
    }
  });
}
