// Alerts as a Sink (Slack incoming webhook and/or a generic JSON webhook). One message per flow would flood a
// channel within minutes, so a record alerts only when one of its labels, or its payload shape, was not seen within
// the alert window; everything else is counted into a periodic digest. write() is synchronous and O(1) (a shape
// hash over at most 1 KiB, a few Map operations); sending happens on each destination's own bounded queue
// (http-sender.ts) and never blocks capture. Design and message formats: docs/alerts.md.

import { counter, gauge, type MetricSample } from '../../metrics/metric-sample.ts';
import { labelKey, type FlowRecord } from '../../record/flow-record.ts';
import type { RecordExtras, Sink } from '../../pipeline/sink.ts';
import { Digest, type FoldReason } from './digest.ts';
import type { Logger } from '../../logger.ts';
import { DROP_REASONS, HttpSender, SYSTEM_CLOCK, type SenderClock } from './http-sender.ts';
import { NoveltyWindow } from './novelty.ts';
import { payloadShape, SHAPE_PREFIX_BYTES } from './payload-shape.ts';
import { type AlertItem, type AlertReason, slackAlert, slackDigest, webhookAlert, webhookDigest } from './render.ts';

/** Keys (labels + shapes) remembered for novelty; beyond it the least recently seen is forgotten. */
export const NOVELTY_MAX_KEYS = 10_000;
/** close() gives up on what is unsent after this long when main set no deadline. */
export const DEFAULT_CLOSE_MS = 2000;

export interface AlertSinkOptions {
  readonly sensor: string;
  readonly slackWebhookUrl?: string | undefined;
  readonly webhookUrl?: string | undefined;
  readonly windowMs: number;
  readonly digestIntervalMs: number;
  readonly maxPerMinute: number;
  readonly log: Logger;
  /** Time for novelty windows, digests, backoff and deadlines (tests pass a fake one). */
  readonly clock?: SenderClock;
  // tunables (tests shrink them)
  readonly noveltyMaxKeys?: number;
  readonly timeoutMs?: number;
  readonly maxAttempts?: number;
  readonly backoffBaseMs?: number;
  readonly backoffMaxMs?: number;
}

interface Destination {
  readonly sender: HttpSender;
  readonly digest: Digest;
  readonly alert: (a: AlertItem) => Record<string, unknown>;
  readonly summary: (d: Digest) => Record<string, unknown> | undefined;
  readonly folded: Record<FoldReason, number>;
}

export class AlertSink implements Sink {
  readonly name = 'alerts';
  readonly #o: AlertSinkOptions;
  readonly #now: () => number;
  readonly #novelty: NoveltyWindow;
  readonly #dest: Destination[] = [];
  readonly #timer: NodeJS.Timeout;
  #deadline: number | undefined;
  #closed: Promise<void> | undefined;
  records = 0;
  alerts = 0;

  constructor(o: AlertSinkOptions) {
    this.#o = o;
    const clock = o.clock ?? SYSTEM_CLOCK;
    this.#now = () => clock.now();
    this.#novelty = new NoveltyWindow(o.windowMs, o.noveltyMaxKeys ?? NOVELTY_MAX_KEYS);
    const common = {
      maxPerMinute: o.maxPerMinute, log: o.log, clock,
      ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}),
      ...(o.maxAttempts !== undefined ? { maxAttempts: o.maxAttempts } : {}),
      ...(o.backoffBaseMs !== undefined ? { backoffBaseMs: o.backoffBaseMs } : {}),
      ...(o.backoffMaxMs !== undefined ? { backoffMaxMs: o.backoffMaxMs } : {}),
    };
    const add = (
      destination: string, url: string,
      alert: Destination['alert'], digest: (d: ReturnType<Digest['take']>) => Record<string, unknown>,
    ) => {
      const dg = new Digest(this.#now());
      this.#dest.push({
        sender: new HttpSender({ destination, url, ...common, onDrop: () => dg.noteDropped() }),
        digest: dg,
        alert,
        summary: (d) => (d.isEmpty ? undefined : digest(d.take(this.#now()))),
        folded: { seen_before: 0, rate_limited: 0 },
      });
    };
    if (o.slackWebhookUrl) add('slack', o.slackWebhookUrl, slackAlert, (d) => slackDigest(d, o.sensor));
    if (o.webhookUrl) add('webhook', o.webhookUrl, (a) => webhookAlert(a, this.#now()), (d) => webhookDigest(d, o.sensor, this.#now()));
    if (this.#dest.length === 0) throw new RangeError('AlertSink needs a Slack or webhook URL');
    this.#timer = setInterval(() => this.#requestDigests(), o.digestIntervalMs);
    this.#timer.unref();
  }

  /** Destinations, for the start-up log line (never the URLs). */
  get destinations(): string[] {
    return this.#dest.map((d) => d.sender.destination);
  }

  write(record: FlowRecord, extras?: RecordExtras): void {
    if (this.#closed) return;
    const now = this.#now();
    this.records++;
    const payload = extras?.payload ?? decodePrefix(record.payload);
    const shape = payloadShape(payload, record.facts);
    const reasons: AlertReason[] = [];
    for (const label of record.labels) if (this.#novelty.touch(`l:${labelKey(label)}`, now)) reasons.push({ kind: 'new_label', label });
    if (shape && this.#novelty.touch(`s:${shape.hash}`, now)) reasons.push({ kind: 'new_shape', shape });
    let item: AlertItem | undefined;
    for (const d of this.#dest) {
      if (reasons.length > 0) {
        // the record and its payload are immutable and already held by the pipeline; only a reference is queued
        item ??= { record, payload, shape, reasons };
        const a = item;
        if (d.sender.offerAlert(() => d.alert(a), now)) {
          this.alerts++;
          continue;
        }
      }
      const why: FoldReason = reasons.length > 0 ? 'rate_limited' : 'seen_before';
      d.folded[why]++;
      d.digest.add(record, payload, shape, why);
    }
  }

  /**
   * Nothing to write out synchronously: alerts leave through their queues as fast as the rate limit allows and
   * the digest goes on its interval. close() sends the final digest.
   */
  flush(): Promise<void> {
    return Promise.resolve();
  }

  /** main sets this when shutdown starts: close() is done by then, whatever is left unsent is dropped. */
  closeBy(deadlineMs: number): void {
    this.#deadline = deadlineMs;
  }

  close(): Promise<void> {
    this.#closed ??= (async () => {
      clearInterval(this.#timer);
      this.#requestDigests();
      const deadline = this.#deadline ?? this.#now() + DEFAULT_CLOSE_MS;
      await Promise.all(this.#dest.map((d) => d.sender.close(deadline)));
      const s = this.#dest.map((d) => ({ destination: d.sender.destination, sent: d.sender.sent, failures: d.sender.failures }));
      this.#o.log.info({ event: 'AlertsClosed', records: this.records, alerts: this.alerts, destinations: s }, 'alerts closed');
    })();
    return this.#closed;
  }

  samples(): MetricSample[] {
    const out: MetricSample[] = [];
    for (const d of this.#dest) {
      const s = d.sender;
      const destination = s.destination;
      out.push(
        counter('synbait_alerts_sent_total', 'Alert messages delivered (2xx)', s.sent.alert, { destination }),
        counter('synbait_alert_digests_sent_total', 'Digest messages delivered (2xx)', s.sent.digest, { destination }),
        counter('synbait_alert_send_failures_total', 'Failed delivery attempts (network error, timeout, non-2xx)', s.failures, { destination }),
        counter('synbait_alerts_dropped_total', 'Alerts not sent as a message of their own, by reason', d.folded.rate_limited, { destination, reason: 'rate_limited' }),
      );
      for (const reason of DROP_REASONS) {
        out.push(counter('synbait_alerts_dropped_total', 'Alerts not sent as a message of their own, by reason', s.dropped[reason].alert, { destination, reason }));
        out.push(counter('synbait_alert_digests_dropped_total', 'Digest messages not delivered, by reason', s.dropped[reason].digest, { destination, reason }));
      }
      out.push(
        counter('synbait_alert_records_folded_total', 'Records counted into the digest instead of alerting', d.folded.seen_before, { destination, reason: 'seen_before' }),
        counter('synbait_alert_records_folded_total', 'Records counted into the digest instead of alerting', d.folded.rate_limited, { destination, reason: 'rate_limited' }),
        gauge('synbait_alert_queue', 'Messages waiting to be sent', s.queued, { destination }),
      );
    }
    out.push(
      gauge('synbait_alert_novelty_keys', 'Labels and payload shapes remembered for novelty', this.#novelty.size),
      counter('synbait_alert_novelty_evictions_total', 'Novelty keys forgotten because of the cap (they may alert again)', this.#novelty.evictions),
    );
    return out;
  }

  #requestDigests(): void {
    for (const d of this.#dest) d.sender.requestDigest(() => d.summary(d.digest));
  }
}

function decodePrefix(b64: string): Uint8Array {
  // 4 base64 characters per 3 bytes: enough for the shape prefix and the excerpts
  const chars = Math.ceil((SHAPE_PREFIX_BYTES + 2) / 3) * 4;
  return Buffer.from(b64.length > chars ? b64.slice(0, chars) : b64, 'base64');
}
