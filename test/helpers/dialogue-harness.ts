// Runs a dialogue over byte literals: what it said (latin1), what it read, and its facts; and the same input fed
// in random pieces, which must give the same answers (the machines may not depend on segmentation).

import { createDialogue } from '../../src/dialogue/create-dialogue.ts';
import type { Dialogue, Output } from '../../src/dialogue/dialogue.ts';
import { DEFAULT_TEXTS, type GreetingTexts } from '../../src/dialogue/texts.ts';
import type { GreetProtocol } from '../../src/record/dialogue.ts';

export class Collect implements Output {
  chunks: number[] = [];
  pauses: number[] = [];
  bytes(d: Uint8Array): void {
    for (const b of d) this.chunks.push(b);
  }
  text(s: string): void {
    for (let i = 0; i < s.length; i++) this.chunks.push(s.charCodeAt(i) & 0xff);
  }
  pause(ms: number): void {
    this.pauses.push(ms);
  }
  get said(): string {
    return Buffer.from(this.chunks).toString('latin1');
  }
  take(): string {
    const s = this.said;
    this.chunks = [];
    return s;
  }
}

export const SEED = Uint8Array.from({ length: 32 }, (_, i) => (i * 37 + 11) & 0xff);

export function open(protocol: GreetProtocol, o: { maxAttempts?: number; texts?: GreetingTexts } = {}): { d: Dialogue; out: Collect; greeting: string } {
  const d = createDialogue(protocol, { texts: o.texts ?? DEFAULT_TEXTS, maxAttempts: o.maxAttempts ?? 3, seed: SEED, peer: '203.0.113.9' });
  const out = new Collect();
  d.start(out);
  return { d, out, greeting: out.take() };
}

/** Feeds `input` (latin1 string or bytes) and returns what the server answered and how much was read. */
export function say(d: Dialogue, out: Collect, input: string | Uint8Array): { reply: string; read: number } {
  const b = typeof input === 'string' ? Buffer.from(input, 'latin1') : Buffer.from(input);
  const read = d.feed(b, 0, b.length, out);
  return { reply: out.take(), read };
}

/** The whole conversation at once and in the given pieces: output, bytes read and facts. */
export function runWhole(protocol: GreetProtocol, input: Uint8Array, cuts: readonly number[] = []) {
  const { d, out, greeting } = open(protocol);
  let read = 0;
  let from = 0;
  for (const cut of [...cuts.filter((c) => c > 0 && c < input.length).sort((a, b) => a - b), input.length]) {
    if (cut <= from) continue;
    read += d.feed(input, from, cut - from, out);
    from = cut;
    if (d.ended) break;
  }
  return { said: greeting + out.said, read, facts: d.facts(), ended: d.ended };
}
