// The capture across the device's life: the open handle, and when the device goes down or away (libpcap's error
// instead of an abort, see patches/cap+0.2.1.patch) the retries that re-open it. A re-open reads the device again
// (its MAC and ifindex may have changed) and builds the filter again: `open` does both. While the device is lost
// `send` fails (counted by the responder), `isOpen` is false (health unhealthy), and the kernel's drop counts
// stay cumulative over every handle.

import { CaptureError } from '../errors.ts';
import type { Device } from '../flow/device.ts';
import type { Logger } from '../logger.ts';
import { addStats, NO_STATS, type CaptureStats } from './capture-stats.ts';

/** What the session needs of one handle (PcapDevice; tests fake it). */
export interface CaptureHandle extends Device {
  readonly isOpen: boolean;
  stats(): CaptureStats;
  setFilter(filter: string): void;
  close(): void;
}

export interface OpenedHandle {
  readonly handle: CaptureHandle;
  readonly filter: string;
}

export interface SessionTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(t: unknown): void;
  now(): number;
}

export interface CaptureSessionOptions {
  readonly device: string;
  /** Opens a handle on the device as it is now; `onError` is the handle's lost-device callback. Throws CaptureError. */
  readonly open: (onError: (message: string) => void) => OpenedHandle;
  readonly log: Logger;
  readonly retryMs?: number;
  /** While the device stays lost, one summary line this often. */
  readonly summaryMs?: number;
  readonly timers?: SessionTimers;
}

const REAL_TIMERS: SessionTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (t) => clearTimeout(t as NodeJS.Timeout),
  now: () => Date.now(),
};

interface Outage {
  readonly since: number;
  readonly error: string;
  attempts: number;
  lastError: string | undefined;
  lastSummary: number;
}

export class CaptureSession implements Device {
  readonly #o: CaptureSessionOptions;
  readonly #timers: SessionTimers;
  #current: OpenedHandle | undefined;
  /** Counts of the handles closed so far. */
  #closed: CaptureStats = NO_STATS;
  #outage: Outage | undefined;
  #retry: unknown;
  #stopped = false;
  #restored = 0;
  #lastFilter = '';

  /** Opens the first handle: throws CaptureError (fatal at start, unlike a loss later). */
  constructor(o: CaptureSessionOptions) {
    this.#o = o;
    this.#timers = o.timers ?? REAL_TIMERS;
    this.#current = this.#openHandle();
  }

  get isOpen(): boolean {
    return this.#current?.handle.isOpen === true;
  }

  /** The filter of the open handle (of the last one while the device is lost). */
  get filter(): string {
    return this.#lastFilter;
  }

  /** Times the capture was re-opened after a loss. */
  get restoredCount(): number {
    return this.#restored;
  }

  send(frame: Uint8Array, length: number): boolean {
    return this.#current ? this.#current.handle.send(frame, length) : false;
  }

  /** Cumulative over every handle since the start. */
  stats(): CaptureStats {
    const now = this.#current ? this.#current.handle.stats() : NO_STATS;
    return addStats(this.#closed, now);
  }

  /**
   * Replaces the filter of the open handle. Throws CaptureError. A later re-open builds its filter with `open`
   * again, so what this sets must also be what `open` builds.
   */
  setFilter(filter: string): void {
    if (!this.#current) {
      throw new CaptureError('SYNBAIT_ERR_CAPTURE', `capture on ${this.#o.device} is not open (lost: ${this.#outage?.error ?? 'closed'})`);
    }
    this.#current.handle.setFilter(filter);
    this.#lastFilter = filter;
  }

  close(): void {
    this.#stopped = true;
    if (this.#retry !== undefined) this.#timers.clearTimeout(this.#retry);
    this.#retry = undefined;
    this.#release();
  }

  #openHandle(): OpenedHandle {
    let opened: OpenedHandle | undefined;
    opened = this.#o.open((message) => {
      if (opened && this.#current === opened) this.#lost(message);
    });
    this.#lastFilter = opened.filter;
    return opened;
  }

  #release(): void {
    const cur = this.#current;
    if (!cur) return;
    this.#current = undefined;
    cur.handle.close();
    this.#closed = addStats(this.#closed, cur.handle.stats());
  }

  #lost(message: string): void {
    this.#release();
    if (this.#stopped) return;
    const now = this.#timers.now();
    this.#outage = { since: now, error: message, attempts: 0, lastError: undefined, lastSummary: now };
    this.#o.log.error({ event: 'CaptureLost', device: this.#o.device, error: message }, `capture on ${this.#o.device} lost: ${message}; re-opening every ${this.#retryMs} ms`);
    this.#schedule();
  }

  get #retryMs(): number {
    return this.#o.retryMs ?? 1000;
  }

  #schedule(): void {
    this.#retry = this.#timers.setTimeout(() => {
      this.#retry = undefined;
      this.#attempt();
    }, this.#retryMs);
  }

  #attempt(): void {
    const out = this.#outage;
    if (this.#stopped || !out) return;
    out.attempts++;
    try {
      this.#current = this.#openHandle();
    } catch (err) {
      this.#failedAttempt(out, err instanceof Error ? err.message : String(err));
      this.#schedule();
      return;
    }
    this.#outage = undefined;
    this.#restored++;
    const downMs = this.#timers.now() - out.since;
    this.#o.log.info({ event: 'CaptureRestored', device: this.#o.device, down_ms: downMs, attempts: out.attempts, filter: this.#lastFilter },
      `capture on ${this.#o.device} re-opened after ${downMs} ms`);
  }

  #failedAttempt(out: Outage, message: string): void {
    const first = out.lastError === undefined;
    out.lastError = message;
    const now = this.#timers.now();
    const log = this.#o.log;
    if (first) {
      log.warn({ event: 'CaptureReopenFailed', device: this.#o.device, error: message }, `cannot re-open ${this.#o.device} yet: ${message}; retrying`);
      return;
    }
    if (now - out.lastSummary < (this.#o.summaryMs ?? 60_000)) return;
    out.lastSummary = now;
    log.warn({ event: 'CaptureStillLost', device: this.#o.device, down_ms: now - out.since, attempts: out.attempts, error: message },
      `capture on ${this.#o.device} still lost after ${out.attempts} attempts`);
  }
}
