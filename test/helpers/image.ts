// The container image for the image tests, built once per run with podman (layers cached, so a second build of an
// unchanged tree takes seconds). Base images come from /work/shared/tools/container-engine-setup.sh (podman
// stand-ins of node:24-bookworm-slim; nothing can be pulled here).

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));
/** IMAGE_TEST_TAG: another tag, so that two checkouts on one machine do not build over each other's image. */
export const IMAGE = process.env.IMAGE_TEST_TAG ?? 'localhost/synbait:test';
export const BASE = 'docker.io/library/node:24-bookworm-slim';
const SETUP = fileURLToPath(new URL('../../../shared/tools/container-engine-setup.sh', import.meta.url));

let built = false;

export function podman(args: string[], timeoutMs = 120_000): string {
  return execFileSync('podman', args, { encoding: 'utf8', timeout: timeoutMs, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** podman, and the base image stand-ins, made if missing. */
export function ensurePodman(): void {
  const ready = spawnSync('podman', ['image', 'exists', BASE], { stdio: 'ignore' }).status === 0;
  if (ready) return;
  if (!existsSync(SETUP)) throw new Error(`podman or ${BASE} is missing and ${SETUP} is not there`);
  execFileSync('bash', [SETUP], { stdio: 'inherit', timeout: 20 * 60_000 });
}

/** Builds IMAGE from the checkout (once per process); returns the seconds it took. */
export function buildImage(): number {
  const started = Date.now();
  if (!built) {
    ensurePodman();
    // --format docker keeps HEALTHCHECK (the OCI format has no such field)
    execFileSync('podman', ['build', '--format', 'docker', '--network', 'host', '-t', IMAGE, '.'], {
      cwd: REPO, stdio: ['ignore', 'ignore', 'inherit'], timeout: 25 * 60_000,
    });
    built = true;
  }
  return Math.round((Date.now() - started) / 1000);
}

/** The image's SYNBAIT_* defaults, read from the Dockerfile's runtime stage (ENV). */
export function imageDefaults(dockerfile = readFileSync(`${REPO}/Dockerfile`, 'utf8')): Record<string, string> {
  const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
  return Object.fromEntries([...runtime.matchAll(/\b(SYNBAIT_[A-Z0-9_]+)=(\S+)/g)].map((m) => [m[1]!, m[2]!]));
}
