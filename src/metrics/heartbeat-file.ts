// The health check without an HTTP port (--health-file): the file is rewritten every interval while the sensor is
// healthy and removed as soon as it is not, so a check needs only the file's age (entrypoint.sh healthcheck).

import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { HealthStatus } from './liveness.ts';

export class HeartbeatFile {
  readonly #path: string;
  readonly #health: () => HealthStatus;
  readonly #timer: NodeJS.Timeout;
  #failures = 0;

  /** Updates the file at once (a directory that cannot be made or written is a startup error), then every interval. */
  constructor(path: string, health: () => HealthStatus, intervalMs: number, onError?: (err: unknown) => void) {
    this.#path = path;
    this.#health = health;
    mkdirSync(dirname(path), { recursive: true });
    this.#update();
    this.#timer = setInterval(() => {
      try {
        this.#update();
        this.#failures = 0;
      } catch (err) {
        if (++this.#failures <= 3) onError?.(err);
      }
    }, intervalMs);
    this.#timer.unref();
  }

  #update(): void {
    if (this.#health().healthy) writeFileSync(this.#path, `${new Date().toISOString()}\n`);
    else rmSync(this.#path, { force: true });
  }

  /** Removes the file: from now on the health check fails. */
  close(): void {
    clearInterval(this.#timer);
    rmSync(this.#path, { force: true });
  }
}
