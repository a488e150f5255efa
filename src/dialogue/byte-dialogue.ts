// The shared shape of the dialogues that read byte by byte (telnet's command layer, SSH framing, VNC, MySQL):
// every byte goes to `byte` until the dialogue has ended, and `feed` reports how many it read.

import type { GreetProtocol } from '../record/dialogue.ts';
import type { Dialogue, DialogueContext, Output } from './dialogue.ts';

export abstract class ByteDialogue implements Dialogue {
  abstract readonly protocol: GreetProtocol;
  protected readonly ctx: DialogueContext;
  ended = false;

  constructor(ctx: DialogueContext) {
    this.ctx = ctx;
  }

  abstract start(out: Output): void;
  abstract facts(): Record<string, unknown>;
  /** One client byte (the dialogue has not ended). */
  protected abstract byte(b: number, out: Output): void;

  feed(buf: Uint8Array, off: number, len: number, out: Output): number {
    for (let i = 0; i < len; i++) {
      if (this.ended) return i;
      this.byte(buf[off + i]!, out);
    }
    return len;
  }
}
