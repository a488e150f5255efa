// One webhook destination: a small bounded queue drained by one sender at a time (global fetch), at most
// `maxPerMinute` POSTs in any 60 s (retries count), retries with exponential backoff and jitter on network errors,
// timeouts, 429 and 5xx (Retry-After respected), give-up after `maxAttempts` with a logged, counted drop. Nothing
// here ever blocks the caller: `offer` is O(1) and says no when the minute's budget is spoken for.
// The URL is a secret: it is never logged, and errors are logged by code, never by message (which may quote it).

import type { Logger } from '../../logger.ts';

export type MessageKind = 'alert' | 'digest';
export type DropReason = 'rejected' | 'retries_exhausted' | 'shutdown';
export const DROP_REASONS: readonly DropReason[] = ['rejected', 'retries_exhausted', 'shutdown'];

export interface HttpSenderOptions {
  readonly destination: string; // "slack" | "webhook": names the destination in logs and metrics
  readonly url: string;
  readonly maxPerMinute: number;
  readonly log: Logger;
  /** Per attempt. */
  readonly timeoutMs?: number;
  readonly maxAttempts?: number;
  readonly backoffBaseMs?: number;
  readonly backoffMaxMs?: number;
  /** A Retry-After beyond this is cut to it. */
  readonly retryAfterMaxMs?: number;
  /** Called when a message is finally dropped (the sink counts it into the next digest). */
  readonly onDrop?: (kind: MessageKind, reason: DropReason) => void;
  /** Time for backoff, rate limits and deadlines (tests pass a fake one). */
  readonly clock?: SenderClock;
}

export interface SenderClock {
  now(): number;
  /** Resolves after `ms`, or at once when `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export const SYSTEM_CLOCK: SenderClock = {
  now: () => Date.now(),
  sleep: (ms, signal) => new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, Math.max(0, ms));
    signal.addEventListener('abort', done, { once: true });
  }),
};

interface Outgoing {
  readonly kind: MessageKind;
  /** Rendered lazily, when the message is about to go: write() stays cheap. */
  readonly body: () => Record<string, unknown>;
}

const MINUTE_MS = 60_000;

export class HttpSender {
  readonly destination: string;
  readonly #o: HttpSenderOptions;
  readonly #queue: Outgoing[] = [];
  /** Start times of the attempts of the last minute, oldest first. */
  readonly #attempts: number[] = [];
  readonly #stop = new AbortController();
  readonly #clock: SenderClock;
  #digest: (() => Record<string, unknown> | undefined) | undefined;
  #busy = false;
  /** The message in flight still needs an attempt (not yet in #attempts). */
  #needsSlot = false;
  #wake: (() => void) | undefined;
  #loop: Promise<void> | undefined;
  #closing = false;
  readonly sent = { alert: 0, digest: 0 };
  failures = 0;
  readonly dropped: Record<DropReason, Record<MessageKind, number>> = {
    rejected: { alert: 0, digest: 0 }, retries_exhausted: { alert: 0, digest: 0 }, shutdown: { alert: 0, digest: 0 },
  };

  constructor(o: HttpSenderOptions) {
    if (o.maxPerMinute < 1) throw new RangeError('maxPerMinute must be at least 1');
    this.destination = o.destination;
    this.#o = o;
    this.#clock = o.clock ?? SYSTEM_CLOCK;
  }

  get queued(): number {
    return this.#queue.length + (this.#digest ? 1 : 0);
  }

  /**
   * Takes an alert if it can still go out within the per-minute limit, counting what was sent in the last
   * minute, what waits and what is in flight; false means "fold it into the digest". O(1) amortised.
   */
  offerAlert(body: () => Record<string, unknown>, nowMs = this.#clock.now()): boolean {
    if (this.#closing) return false;
    this.#prune(nowMs);
    // attempts of the last minute + waiting + the in-flight message's next attempt (before it starts, or while it
    // backs off for a retry)
    if (this.#attempts.length + this.#queue.length + (this.#needsSlot ? 1 : 0) >= this.#o.maxPerMinute) return false;
    this.#queue.push({ kind: 'alert', body });
    this.#kick();
    return true;
  }

  /** Asks for a digest to be sent ahead of queued alerts; `take` is called when it goes (undefined: nothing to say). */
  requestDigest(take: () => Record<string, unknown> | undefined): void {
    if (this.#closing && this.#digest) return;
    this.#digest = take;
    this.#kick();
  }

  /**
   * Sends what is queued until `deadlineMs`, then aborts what is left (counted and logged as dropped) and resolves.
   * Never rejects, never outlives the deadline by more than a tick.
   */
  async close(deadlineMs: number): Promise<void> {
    this.#closing = true;
    this.#kick();
    const waited = new AbortController();
    const expired = this.#clock.sleep(deadlineMs - this.#clock.now(), waited.signal);
    await Promise.race([this.#idle(), expired]);
    waited.abort();
    this.#stop.abort();
    await this.#loop;
    const pending = this.#queue.splice(0);
    if (this.#digest) {
      this.#digest = undefined;
      pending.push({ kind: 'digest', body: () => ({}) });
    }
    for (const m of pending) this.#drop(m.kind, 'shutdown', {});
  }

  // --- the loop ----------------------------------------------------------------------------------------------

  #kick(): void {
    if (this.#wake) {
      const w = this.#wake;
      this.#wake = undefined;
      w();
    }
    if (!this.#loop) this.#loop = this.#run().finally(() => { this.#loop = undefined; });
  }

  async #idle(): Promise<void> {
    while (this.#loop !== undefined && (this.#queue.length > 0 || this.#digest !== undefined || this.#busy)) {
      await this.#loop;
    }
  }

  async #run(): Promise<void> {
    while (!this.#stop.signal.aborted) {
      let m: Outgoing | undefined;
      if (this.#digest) {
        // the digest is a snapshot taken when it goes, so it counts everything up to then
        const take = this.#digest;
        this.#digest = undefined;
        const body = take();
        if (body === undefined) continue; // nothing to say
        m = { kind: 'digest', body: () => body };
      } else {
        m = this.#queue.shift();
      }
      if (m === undefined) {
        if (this.#closing) return;
        await new Promise<void>((resolve) => { this.#wake = resolve; });
        continue;
      }
      this.#busy = true;
      try {
        await this.#deliver(m);
      } finally {
        this.#busy = false;
        this.#needsSlot = false;
      }
    }
  }

  async #deliver(m: Outgoing): Promise<void> {
    const o = this.#o;
    const maxAttempts = o.maxAttempts ?? 4;
    let body: string;
    try {
      body = JSON.stringify(m.body());
    } catch (err) {
      this.#drop(m.kind, 'rejected', { error: err instanceof Error ? err.name : 'render' });
      return;
    }
    this.#needsSlot = true;
    for (let attempt = 1; ; attempt++) {
      if (!(await this.#waitForSlot())) {
        this.#drop(m.kind, 'shutdown', {});
        return;
      }
      const r = await this.#post(body);
      if (r.ok) {
        this.sent[m.kind]++;
        o.log.debug({ event: 'AlertSent', destination: this.destination, kind: m.kind, attempt }, 'alert sent');
        return;
      }
      this.failures++;
      if (this.#stop.signal.aborted) {
        this.#drop(m.kind, 'shutdown', r.detail);
        return;
      }
      if (!r.retry) {
        this.#drop(m.kind, 'rejected', r.detail);
        return;
      }
      if (attempt >= maxAttempts) {
        this.#drop(m.kind, 'retries_exhausted', { ...r.detail, attempts: attempt });
        return;
      }
      const base = Math.min(o.backoffMaxMs ?? 60_000, (o.backoffBaseMs ?? 1000) * 2 ** (attempt - 1));
      const delay = r.retryAfterMs !== undefined
        ? Math.min(r.retryAfterMs, o.retryAfterMaxMs ?? 300_000)
        : Math.round(base / 2 + Math.random() * (base / 2));
      this.#needsSlot = true;
      o.log.warn({ event: 'AlertSendFailed', destination: this.destination, kind: m.kind, attempt, retry_in_ms: delay, ...r.detail }, 'alert not delivered; will retry');
      if (!(await this.#sleep(delay))) {
        this.#drop(m.kind, 'shutdown', r.detail);
        return;
      }
    }
  }

  async #post(body: string): Promise<{ ok: true } | { ok: false; retry: boolean; retryAfterMs?: number; detail: Record<string, unknown> }> {
    const attempt = new AbortController();
    const onStop = () => attempt.abort();
    this.#stop.signal.addEventListener('abort', onStop, { once: true });
    const timer = setTimeout(() => attempt.abort(), this.#o.timeoutMs ?? 10_000);
    try {
      const res = await fetch(this.#o.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'synbait-alerts' },
        body,
        signal: attempt.signal,
        redirect: 'error',
      });
      // the body is not needed; cancelling frees the connection
      await res.body?.cancel().catch(() => undefined);
      if (res.status >= 200 && res.status < 300) return { ok: true };
      const retry = res.status === 429 || res.status >= 500 || res.status === 408;
      const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'), this.#clock.now());
      return { ok: false, retry, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}), detail: { status: res.status } };
    } catch (err) {
      const timedOut = attempt.signal.aborted && !this.#stop.signal.aborted;
      return { ok: false, retry: true, detail: { error: timedOut ? 'timeout' : errorCode(err) } };
    } finally {
      clearTimeout(timer);
      this.#stop.signal.removeEventListener('abort', onStop);
    }
  }

  /** Waits until fewer than maxPerMinute attempts started in the last minute; false when stopped. */
  async #waitForSlot(): Promise<boolean> {
    for (;;) {
      const now = this.#clock.now();
      this.#prune(now);
      if (this.#attempts.length < this.#o.maxPerMinute) {
        this.#attempts.push(now);
        this.#needsSlot = false;
        return true;
      }
      if (!(await this.#sleep(this.#attempts[0]! + MINUTE_MS - now + 1))) return false;
    }
  }

  #prune(nowMs: number): void {
    const a = this.#attempts;
    let k = 0;
    while (k < a.length && a[k]! <= nowMs - MINUTE_MS) k++;
    if (k > 0) a.splice(0, k);
  }

  /** Sleeps unless stopped; false when stopped. */
  async #sleep(ms: number): Promise<boolean> {
    if (this.#stop.signal.aborted) return false;
    await this.#clock.sleep(ms, this.#stop.signal);
    return !this.#stop.signal.aborted;
  }

  #drop(kind: MessageKind, reason: DropReason, detail: Record<string, unknown>): void {
    this.dropped[reason][kind]++;
    this.#o.log.warn({ event: 'AlertDropped', destination: this.destination, kind, reason, count: 1, ...detail }, 'alert message dropped');
    this.#o.onDrop?.(kind, reason);
  }
}

/** Retry-After (RFC 9110 10.2.3): delay-seconds or an HTTP-date; undefined when absent or unreadable. */
export function parseRetryAfter(v: string | null, nowMs: number): number | undefined {
  if (v === null) return undefined;
  const t = v.trim();
  if (/^\d{1,9}$/.test(t)) return Number(t) * 1000;
  const at = Date.parse(t);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

function errorCode(err: unknown): string {
  // undici: TypeError('fetch failed', { cause: { code: 'ECONNREFUSED', ... } }); the message may quote the URL
  const cause = (err as { cause?: { code?: unknown } } | undefined)?.cause;
  if (cause && typeof cause.code === 'string') return cause.code;
  if (err instanceof Error && err.name === 'AbortError') return 'aborted';
  return err instanceof Error ? err.name : 'error';
}
