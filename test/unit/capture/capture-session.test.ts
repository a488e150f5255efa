// The capture session without libpcap: fake handles and a fake timer queue. A lost device is retried every second,
// logged once (lost, the first failed retry, a summary a minute, restored), the kernel's drop counts stay
// cumulative over every handle, and a re-open builds its filter again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CaptureSession, type CaptureHandle, type OpenedHandle, type SessionTimers } from '../../../src/capture/capture-session.ts';
import type { CaptureStats } from '../../../src/capture/capture-stats.ts';
import { CaptureError } from '../../../src/errors.ts';

class FakeHandle implements CaptureHandle {
  isOpen = true;
  sent = 0;
  filters: string[] = [];
  counts: CaptureStats = { received: 0, kernelDropped: 0, ifDropped: 0 };
  constructor(readonly onError: (message: string) => void) {}
  send(): boolean {
    if (!this.isOpen) return false;
    this.sent++;
    return true;
  }
  stats(): CaptureStats {
    return this.counts;
  }
  setFilter(filter: string): void {
    if (filter.includes('(((')) throw new CaptureError('SYNBAIT_ERR_CAPTURE_FILTER', 'syntax error');
    this.filters.push(filter);
  }
  close(): void {
    this.isOpen = false;
  }
}

class FakeTimers implements SessionTimers {
  #now = 0;
  #queue: { at: number; fn: () => void; id: number }[] = [];
  #next = 1;
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.#next++;
    this.#queue.push({ at: this.#now + ms, fn, id });
    return id;
  }
  clearTimeout(t: unknown): void {
    this.#queue = this.#queue.filter((e) => e.id !== t);
  }
  now(): number {
    return this.#now;
  }
  get pending(): number {
    return this.#queue.length;
  }
  /** Moves time on by `ms`, firing what falls due in order. */
  advance(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      this.#queue.sort((a, b) => a.at - b.at);
      const e = this.#queue[0];
      if (!e || e.at > end) break;
      this.#queue.shift();
      this.#now = e.at;
      e.fn();
    }
    this.#now = end;
  }
}

interface Line { level: string; obj: Record<string, unknown> }

function harness() {
  const lines: Line[] = [];
  const log = {
    debug: (obj: Record<string, unknown>) => lines.push({ level: 'debug', obj }),
    info: (obj: Record<string, unknown>) => lines.push({ level: 'info', obj }),
    warn: (obj: Record<string, unknown>) => lines.push({ level: 'warn', obj }),
    error: (obj: Record<string, unknown>) => lines.push({ level: 'error', obj }),
  };
  const timers = new FakeTimers();
  const handles: FakeHandle[] = [];
  const state = { present: true, mac: 'aa:aa:aa:aa:aa:01' };
  const open = (onError: (m: string) => void): OpenedHandle => {
    if (!state.present) throw new CaptureError('SYNBAIT_ERR_NO_DEVICE', 'network device "eth9" does not exist');
    const h = new FakeHandle(onError);
    handles.push(h);
    return { handle: h, filter: `ether dst ${state.mac}` };
  };
  const session = new CaptureSession({ device: 'eth9', open, log, timers, retryMs: 1000, summaryMs: 60_000 });
  const events = () => lines.map((l) => l.obj.event);
  return { session, handles, timers, state, lines, events };
}

test('a lost device is re-opened once it is back: logged lost, once failed, restored; the new filter is used', () => {
  const h = harness();
  const { session, handles, timers, state } = h;
  assert.equal(session.isOpen, true);
  assert.equal(session.filter, 'ether dst aa:aa:aa:aa:aa:01');
  assert.equal(session.send(new Uint8Array(60), 60), true);

  state.present = false;
  handles[0]!.onError('The interface disappeared');
  assert.equal(handles[0]!.isOpen, false, 'the lost handle is closed');
  assert.equal(session.isOpen, false);
  assert.equal(session.send(new Uint8Array(60), 60), false, 'sends fail while lost');
  const lost = h.lines.find((l) => l.obj.event === 'CaptureLost')!;
  assert.equal(lost.level, 'error');
  assert.equal(lost.obj.device, 'eth9');
  assert.equal(lost.obj.error, 'The interface disappeared');

  timers.advance(10_000); // ten failed attempts, one a second
  assert.deepEqual(h.events(), ['CaptureLost', 'CaptureReopenFailed'], 'the failures are logged once');
  assert.equal(h.lines[1]!.obj.error, 'network device "eth9" does not exist');

  state.present = true;
  state.mac = 'aa:aa:aa:aa:aa:02';
  timers.advance(1000);
  assert.equal(session.isOpen, true);
  assert.equal(handles.length, 2);
  assert.equal(session.filter, 'ether dst aa:aa:aa:aa:aa:02', 'the filter is built again for the re-created device');
  const restored = h.lines.at(-1)!;
  assert.equal(restored.obj.event, 'CaptureRestored');
  assert.equal(restored.obj.attempts, 11);
  assert.equal(restored.obj.down_ms, 11_000);
  assert.equal(session.restoredCount, 1);
  assert.equal(timers.pending, 0, 'no retry left behind');
  assert.equal(session.send(new Uint8Array(60), 60), true);
  assert.equal(handles[1]!.sent, 1);
});

test('a long outage logs one summary a minute, not a line a second', () => {
  const h = harness();
  h.state.present = false;
  h.handles[0]!.onError('The interface disappeared');
  h.timers.advance(185_000);
  const events = h.events();
  assert.equal(events.filter((e) => e === 'CaptureReopenFailed').length, 1);
  const summaries = h.lines.filter((l) => l.obj.event === 'CaptureStillLost');
  assert.equal(summaries.length, 3);
  assert.equal(summaries[0]!.obj.attempts, 60);
  assert.equal(summaries[0]!.obj.down_ms, 60_000);
});

test('kernel drop counts are cumulative over every handle, and kept after close', () => {
  const h = harness();
  const { session, handles, state, timers } = h;
  handles[0]!.counts = { received: 1000, kernelDropped: 40, ifDropped: 2 };
  assert.deepEqual(session.stats(), { received: 1000, kernelDropped: 40, ifDropped: 2 });
  state.present = false;
  handles[0]!.onError('The interface disappeared');
  assert.deepEqual(session.stats(), { received: 1000, kernelDropped: 40, ifDropped: 2 }, 'while lost: what the lost handle counted');
  state.present = true;
  timers.advance(1000);
  handles[1]!.counts = { received: 500, kernelDropped: 7, ifDropped: 1 };
  assert.deepEqual(session.stats(), { received: 1500, kernelDropped: 47, ifDropped: 3 }, 'a new handle counts from zero again: added up');
  session.close();
  assert.equal(handles[1]!.isOpen, false);
  assert.deepEqual(session.stats(), { received: 1500, kernelDropped: 47, ifDropped: 3 }, 'the final line after close');
});

test('setFilter goes to the open handle; a bad filter throws CaptureError and keeps the old one; lost: throws', () => {
  const h = harness();
  h.session.setFilter('ether dst aa:aa:aa:aa:aa:01 and not dst port 8080');
  assert.deepEqual(h.handles[0]!.filters, ['ether dst aa:aa:aa:aa:aa:01 and not dst port 8080']);
  assert.equal(h.session.filter, 'ether dst aa:aa:aa:aa:aa:01 and not dst port 8080');
  assert.throws(() => h.session.setFilter('tcp and ((('), (e: unknown) => e instanceof CaptureError && e.code === 'SYNBAIT_ERR_CAPTURE_FILTER');
  assert.equal(h.session.filter, 'ether dst aa:aa:aa:aa:aa:01 and not dst port 8080');
  h.state.present = false;
  h.handles[0]!.onError('The interface disappeared');
  assert.throws(() => h.session.setFilter('tcp'), (e: unknown) => e instanceof CaptureError && e.code === 'SYNBAIT_ERR_CAPTURE');
});

test('close() during an outage stops the retries; an error from an old handle is ignored', () => {
  const h = harness();
  h.state.present = false;
  h.handles[0]!.onError('The interface disappeared');
  h.session.close();
  h.state.present = true;
  h.timers.advance(5000);
  assert.equal(h.handles.length, 1, 'no re-open after close');
  assert.equal(h.timers.pending, 0);

  const g = harness();
  g.state.present = false;
  g.handles[0]!.onError('first');
  g.state.present = true;
  g.timers.advance(1000);
  g.handles[0]!.onError('late error from the old handle');
  assert.equal(g.session.isOpen, true);
  assert.equal(g.events().filter((e) => e === 'CaptureLost').length, 1);
});

test('the first open failing throws (fatal at start)', () => {
  const log = { debug() {}, info() {}, warn() {}, error() {} };
  assert.throws(() => new CaptureSession({
    device: 'eth9', log,
    open: () => { throw new CaptureError('SYNBAIT_ERR_NO_DEVICE', 'no eth9'); },
  }), (e: unknown) => e instanceof CaptureError && e.code === 'SYNBAIT_ERR_NO_DEVICE');
});
