// Which destination ports are greeted, and with which protocol: a 64 KiB table read once per opened flow.

import { GREET_PROTOCOLS, type GreetProtocol } from '../record/dialogue.ts';

export interface GreetPortRange {
  readonly from: number;
  readonly to: number;
  readonly protocol: GreetProtocol;
}

export class GreetPorts {
  /** Port → 1 + index in GREET_PROTOCOLS, 0 = client-first. */
  readonly #table = new Uint8Array(65536);
  readonly ranges: readonly GreetPortRange[];

  constructor(ranges: readonly GreetPortRange[]) {
    this.ranges = ranges;
    for (const r of ranges) this.#table.fill(GREET_PROTOCOLS.indexOf(r.protocol) + 1, r.from, r.to + 1);
  }

  /** The protocol greeted on `port`, or undefined. */
  at(port: number): GreetProtocol | undefined {
    const i = this.#table[port]!;
    return i === 0 ? undefined : GREET_PROTOCOLS[i - 1];
  }

  get empty(): boolean {
    return this.ranges.length === 0;
  }
}
