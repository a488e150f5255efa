// Compiled re2js programs are large (about 12 KB each; ET Open's 3,000 loadable pcre patterns would hold 37 MB)
// and, behind the prefilter, most of them never run. Each pattern is compiled once at load to prove it runs,
// then only its text is kept; it is compiled again on first use and kept in a bounded most-recently-used cache.

import { Buffer } from 'node:buffer';
import { RE2JS } from 're2js';

/** Compiled patterns kept at once, across all signatures. */
export const REGEX_CACHE_SIZE = 512;

const cache = new Map<LazyRegex, RE2JS>();

export class LazyRegex {
  readonly source: string;
  readonly flags: number;

  constructor(source: string, flags: number) {
    // a flat copy: a slice of the rule file's text would keep the whole file alive
    this.source = flat(source);
    this.flags = flags;
  }

  get compiled(): RE2JS {
    let re = cache.get(this);
    if (re !== undefined) {
      cache.delete(this);
      cache.set(this, re);
      return re;
    }
    re = RE2JS.compile(this.source, this.flags);
    cache.set(this, re);
    if (cache.size > REGEX_CACHE_SIZE) cache.delete(cache.keys().next().value!);
    return re;
  }
}

/** A string that shares no storage with a larger one. */
export function flat(s: string): string {
  return s.length === 0 ? '' : Buffer.from(s, 'latin1').toString('latin1');
}
