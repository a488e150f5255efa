// A Docker daemon of our own for tests, standing in for a host's: Debian's dockerd with its own --data-root,
// --exec-root, pidfile and socket, started inside a network namespace (nsenter --net, so its "host network" is that
// namespace, and the cgroup mounts under /sys stay visible), with iptables, the bridge and forwarding off, so it never
// touches this machine's firewall or network. The client is Debian's /usr/bin/docker and docker-compose (v1).

import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export const DOCKER = '/usr/bin/docker';
export const COMPOSE = '/usr/bin/docker-compose';

export function dockerMissing(): string | false {
  for (const bin of ['/usr/sbin/dockerd', DOCKER, COMPOSE]) {
    if (!existsSync(bin)) return `${bin} is missing (apt-get install docker.io docker-compose)`;
  }
  return false;
}

export interface DockerDaemon {
  /** Environment for docker and docker-compose: DOCKER_HOST, and nothing of ours (SYNBAIT_* removed). */
  readonly env: Record<string, string>;
  docker(args: readonly string[], opts?: { input?: Buffer | string; timeoutMs?: number; allowFail?: boolean }): string;
  stop(): Promise<void>;
}

export async function startDockerd(ns: string): Promise<DockerDaemon> {
  const root = mkdtempSync('/var/tmp/synbait-dockerd-');
  const exec = join(root, 'exec');
  const sock = join(root, 'docker.sock');
  const child: ChildProcess = spawn('nsenter', [
    `--net=/run/netns/${ns}`, '/usr/sbin/dockerd',
    '--data-root', join(root, 'data'), '--exec-root', exec, '--pidfile', join(root, 'docker.pid'), '-H', `unix://${sock}`,
    '--iptables=false', '--ip6tables=false', '--bridge=none', '--ip-forward=false', '--ip-masq=false',
    '--exec-opt', 'native.cgroupdriver=cgroupfs', '--log-level', 'warn',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const env: Record<string, string> = { DOCKER_HOST: `unix://${sock}` };
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('SYNBAIT_') && k !== 'DOCKER_HOST') env[k] = v;
  const docker: DockerDaemon['docker'] = (args, opts = {}) => {
    const r = spawnSync(DOCKER, args, { env, input: opts.input, timeout: opts.timeoutMs ?? 120_000, encoding: 'utf8', maxBuffer: 1 << 28 });
    if (r.status !== 0 && !opts.allowFail) throw new Error(`docker ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
    return r.stdout + (opts.allowFail ? r.stderr : '');
  };
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(t);
    }
    // mounts a daemon leaves behind (it runs in this machine's mount namespace) before removing its directories
    const mounts = readFileSync('/proc/self/mounts', 'utf8').split('\n').map((l) => l.split(' ')[1] ?? '').filter((m) => m.startsWith(root)).reverse();
    for (const m of mounts) spawnSync('umount', ['-l', m]);
    rmSync(root, { recursive: true, force: true });
  };
  for (let i = 0; i < 300; i++) {
    if (spawnSync(DOCKER, ['version'], { env, stdio: 'ignore' }).status === 0) return { env, docker, stop };
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error(`dockerd did not start:\n${log.slice(-3000)}`);
}

/** Copies an image from podman's store into the daemon (base images cannot be pulled here). */
export function loadFromPodman(d: DockerDaemon, image: string, tag: string): void {
  execFileSync('sh', ['-c', 'podman save "$1" | "$2" load', '_', image, DOCKER], { env: d.env, stdio: ['ignore', 'ignore', 'inherit'], timeout: 600_000 });
  d.docker(['tag', image, tag]);
}
