// Login attempts of one session: kept up to MAX_ATTEMPTS_KEPT, counted beyond. User names and passwords come from
// the attacker: only printable ASCII is kept (other bytes become "."), at most MAX_CREDENTIAL characters, like
// every other string fact (the raw bytes stay in the record's payload).

import { type Credential, MAX_ATTEMPTS_KEPT, MAX_CREDENTIAL } from './dialogue.ts';

export function printableText(s: string, max: number): string {
  const t = s.length > max ? s.slice(0, max) : s;
  return t.replace(/[^\x20-\x7e]/g, '.');
}

export class Attempts {
  readonly #kept: Credential[] = [];
  count = 0;

  add(user: string, password: string): void {
    this.count++;
    if (this.#kept.length < MAX_ATTEMPTS_KEPT) {
      this.#kept.push({ user: printableText(user, MAX_CREDENTIAL), password: printableText(password, MAX_CREDENTIAL) });
    }
  }

  /** `{attempts, attempts_total}` for facts; empty when there was none. */
  facts(): { attempts?: Credential[]; attempts_total?: number } {
    if (this.count === 0) return {};
    return { attempts: [...this.#kept], ...(this.count > this.#kept.length ? { attempts_total: this.count } : {}) };
  }
}
