// "Healthy" means the capture handle is open AND the loop that drives it is alive, not merely that the process
// runs. The loop proves it is alive by calling beat() from its timer; checks (capture open, device present) are
// asked at the time of the question. Pure: the clock is passed in.

export interface HealthStatus {
  readonly healthy: boolean;
  /** Why not, e.g. `capture_closed`, `loop_stalled (4200 ms since the last beat)`. */
  readonly problems: readonly string[];
}

export interface LivenessCheck {
  /** Reported when ok() is false, e.g. `capture_closed`. */
  readonly problem: string;
  readonly ok: () => boolean;
}

export class Liveness {
  readonly #staleAfterMs: number;
  readonly #checks: LivenessCheck[] = [];
  #lastBeat: number | undefined;

  constructor(opts: { staleAfterMs: number }) {
    this.#staleAfterMs = opts.staleAfterMs;
  }

  addCheck(check: LivenessCheck): void {
    this.#checks.push(check);
  }

  beat(nowMs: number): void {
    this.#lastBeat = nowMs;
  }

  status(nowMs: number): HealthStatus {
    const problems: string[] = [];
    if (this.#lastBeat === undefined) problems.push('loop_not_started');
    else if (nowMs - this.#lastBeat > this.#staleAfterMs) problems.push(`loop_stalled (${nowMs - this.#lastBeat} ms since the last beat)`);
    for (const c of this.#checks) {
      let ok = false;
      try {
        ok = c.ok();
      } catch {
        ok = false;
      }
      if (!ok) problems.push(c.problem);
    }
    return { healthy: problems.length === 0, problems };
  }
}
