// Fast path: reads the fields the report counts straight from a line's bytes, without JSON.parse of the whole
// record (the base64 payload and most fields are only skipped). It validates the JSON grammar of everything it
// walks, but answers `false` (= "ask JSON.parse") on anything unusual: escapes in a field or key it needs, a
// duplicated key it needs, a number that is not a plain integer, a time that is not `YYYY-MM-DDTHH:MM:SS[.f]Z`,
// deep nesting. So what it accepts is exactly `viewOfRecord(JSON.parse(line))`; a property test holds it to that.
//
// Two ways through a line. What the writer writes (record/build-record.ts) starts with one shape: a template of
// it, one regular expression of JSON grammar, reads the record up to its labels at the regular-expression
// engine's speed. The rest of such a line, and every other line, goes through one walker that serves every
// object: a Level names the keys of interest at one depth (the record, its facts, the facts' http object) and
// what to do with each value; SKIP names none. The writer emits keys in one order, so each level remembers the
// keys it met in order and tries the one after the last first.

import { RECORD_SCHEMA_VERSION } from '../record/flow-record.ts';
import { daysInMonth, utcMs } from '../record/utc-time.ts';
import { parseIpv4 } from './ipv4-top-counter.ts';
import { type LabelRef, labelsOf } from './record-view.ts';

/** What one accepted line gave. Owned by the caller, overwritten by every scan. */
export interface ScanOutput {
  tsMs: number;
  sensor: string;
  /** The source as a 32-bit IPv4 address when it is a canonical dotted quad, else -1 (then see srcIp). */
  srcV4: number;
  /** The source text when srcV4 is -1 (IPv6 or anything else). */
  srcIp: string;
  dstPort: number;
  udp: boolean;
  /** 0 syn, 1 acked, 2 udp. */
  state: number;
  labels: readonly LabelRef[];
  userAgent: string | undefined;
  path: string | undefined;
}

export function emptyScanOutput(): ScanOutput {
  return { tsMs: 0, sensor: '', srcV4: -1, srcIp: '', dstPort: 0, udp: false, state: 0, labels: EMPTY_LABELS, userAgent: undefined, path: undefined };
}

const QUOTE = 0x22, BACKSLASH = 0x5c, COLON = 0x3a, COMMA = 0x2c, NEWLINE = 0x0a;
const LBRACE = 0x7b, RBRACE = 0x7d, LBRACKET = 0x5b, RBRACKET = 0x5d;
const MAX_DEPTH = 32;
const FAIL = -1;
const EMPTY_LABELS: readonly LabelRef[] = Object.freeze([]);

// Fields: what the walker does with a value. F_SKIP: validate and skip.
const F_SKIP = 0, F_EVENT = 1, F_SCHEMA = 2, F_TS = 3, F_SENSOR = 4, F_STRING = 5, F_PROTO = 6, F_IP_VERSION = 7;
const F_SRC_IP = 8, F_COUNT = 9, F_DST_PORT = 10, F_STATE = 11, F_LABELS = 12, F_FACTS = 13, F_HTTP = 14;
const F_USER_AGENT = 15, F_PATH = 16;

/** A key as met before: the bytes of `key":` (plain, unescaped), its field and bit, the level of an object value. */
interface Known {
  readonly bytes: Buffer;
  readonly field: number;
  readonly bit: number;
  child: Level | undefined;
}

interface Level {
  /** Keys of interest with their field and bit (for duplicates and the required set). */
  readonly keys: readonly { readonly bytes: Buffer; readonly field: number; readonly bit: number }[];
  /** Fields that must all be present (as bits). */
  readonly required: number;
  /** Keys met in objects of this level, in the order first met (at most MAX_KNOWN). */
  readonly known: Known[];
  /** Keys of interest met once `known` was full. */
  readonly spare: (Known | undefined)[];
}

/** Keys remembered per level, and the longest remembered: bounds what hostile lines can make the scanner keep. */
const MAX_KNOWN = 64, MAX_KNOWN_KEY = 64;

function level(spec: readonly (readonly [string, number, boolean?])[]): Level {
  let required = 0;
  const keys = spec.map(([k, field, req], i) => {
    if (req) required |= 1 << i;
    return { bytes: Buffer.from(k, 'latin1'), field, bit: 1 << i };
  });
  return { keys, required, known: [], spare: [] };
}

/** Keys the report reads; `true`: required, as by record/ndjson.ts recordProblem(), so both paths accept the same records. */
const RECORD_SPEC = [
  ['event', F_EVENT, true], ['schema', F_SCHEMA, true], ['ts', F_TS, true], ['sensor', F_SENSOR, true],
  ['flow_id', F_STRING, true], ['proto', F_PROTO, true], ['ip_version', F_IP_VERSION, true], ['src_ip', F_SRC_IP, true],
  ['src_port', F_COUNT, true], ['dst_ip', F_STRING, true], ['dst_port', F_DST_PORT, true], ['state', F_STATE, true],
  ['payload', F_STRING, true], ['payload_len', F_COUNT, true], ['labels', F_LABELS, true], ['facts', F_FACTS],
] as const;

// Local copies of what the hot path uses from other modules: under tsx's CommonJS output (Node 20) each use of
// an imported binding is a call to a getter.
const ipv4 = parseIpv4, SCHEMA_VERSION = RECORD_SCHEMA_VERSION;

const LABELS_KEY = RECORD_SPEC.findIndex(([k]) => k === 'labels');
/** The record's keys of interest the template reads: all those before "labels". */
const PREFIX_SEEN = RECORD_SPEC.reduce((bits, [k], i) => (k === 'labels' || k === 'facts' ? bits : bits | (1 << i)), 0);

/**
 * The writer's line up to "labels" (record/build-record.ts, in its key order), as a sticky regular expression
 * over the buffer's latin1 text: every part is JSON grammar, so what it matches is a valid JSON prefix, and its
 * captures are the fields the report reads. Strings without escapes or control characters, numbers as plain
 * integers of up to 15 digits. A line it does not fit (another writer, another key order, an escape) is walked.
 * test/unit/report/record-scan.test.ts checks that the writer's records fit it.
 */
const STR = '[^"\\\\\\x00-\\x1f]*';
const INT = '(?:0|[1-9][0-9]{0,14})';
/** The start of every line the writer writes; a record of another schema version is walked (and refused). */
const HEAD = `{"event":"flow","schema":${RECORD_SCHEMA_VERSION},"ts":"`;
/** The writer's ts (Date#toISOString): its fields are checked by #ts(), at a known offset. */
const TS = '[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z';
const TS_LENGTH = 24;
const esc = (literal: string) => literal.replace(/[{}[\]]/g, '\\$&');
/** A label: a flat object of strings and plain integers; a labels array of them, captured whole for LabelCache. */
const FLAT = `\\{"${STR}":(?:"${STR}"|${INT})(?:,"${STR}":(?:"${STR}"|${INT}))*\\}`;
const WRITER_PREFIX = new RegExp([
  `${esc(HEAD)}${TS}","end_ts":"${STR}","sensor":"(${STR})","flow_id":"${STR}"`,
  `,"proto":"(?:tcp|(u)dp)","ip_version":[46],"src_ip":"(${STR})","src_port":${INT},"dst_ip":"${STR}","dst_port":(${INT})`,
  `,"state":"(?:syn|(a)cked|(u)dp)","payload":"${STR}","payload_len":${INT},"truncated":(?:true|false),"packets":${INT}`,
  `,"segments":${INT},"end_reason":"${STR}"`,
  `(?:,"syn":\\{"ttl":${INT},"window":${INT}(?:,"ip_id":${INT})?,"options":"${STR}","syn_count":${INT}\\})?`,
  `,"labels":(\\[\\]|\\[${FLAT}(?:,${FLAT})*\\])`,
].join(''), 'y');

/** Text the template captured (latin1: one char per byte), as the UTF-8 it is. */
const asText = (raw: string): string => (/[\x80-\xff]/.test(raw) ? Buffer.from(raw, 'latin1').toString('utf8') : raw);

// Byte classes inside a JSON string: 1 plain ASCII, 0 anything else (quote, backslash, control, non-ASCII).
const PLAIN = (() => {
  const t = new Uint8Array(256);
  for (let c = 0x20; c < 0x80; c++) t[c] = 1;
  t[QUOTE] = 0;
  t[BACKSLASH] = 0;
  return t;
})();

const isHex = (c: number): boolean => (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
const isDigit = (c: number | undefined): boolean => c !== undefined && c >= 0x30 && c <= 0x39;
const isWs = (c: number | undefined): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

// Buffer#latin1Slice / #utf8Slice skip toString()'s argument handling (a measurable share per record); they have
// been on Buffer.prototype since early Node and still are, but fall back to toString() should one go away.
type Slicer = (buf: Buffer, start: number, end: number) => string;
const proto = Buffer.prototype as unknown as { latin1Slice?: unknown; utf8Slice?: unknown };
const latin1: Slicer = typeof proto.latin1Slice === 'function'
  ? (buf, s, e) => (buf as unknown as { latin1Slice(s: number, e: number): string }).latin1Slice(s, e)
  : (buf, s, e) => buf.toString('latin1', s, e);
const utf8: Slicer = typeof proto.utf8Slice === 'function'
  ? (buf, s, e) => (buf as unknown as { utf8Slice(s: number, e: number): string }).utf8Slice(s, e)
  : (buf, s, e) => buf.toString('utf8', s, e);

/** The remembered key whose `key":` buf[at ..] starts with. */
function findKnown(lv: Level, buf: Buffer, at: number): Known | undefined {
  for (const k of lv.known) if (sameBytes(buf, at, k.bytes)) return k;
  return undefined;
}

/** buf[at ..] starts with the first n bytes of k. */
const sameKey = (buf: Buffer, at: number, k: Buffer, n: number): boolean => {
  for (let i = 0; i < n; i++) if (buf[at + i] !== k[i]) return false;
  return true;
};
const sameBytes = (buf: Buffer, at: number, k: Buffer): boolean => sameKey(buf, at, k, k.length);

/**
 * Parsed "labels" arrays by their exact bytes: a few distinct label sets repeat across millions of records.
 * Bounded: cleared when full.
 */
export class LabelCache {
  readonly #map = new Map<string, readonly LabelRef[] | null>();
  readonly #cap: number;
  /** The last text of each length (mod 64) and its labels: a string comparison instead of hashing a new string. */
  readonly #recentText: string[] = new Array<string>(64).fill('');
  readonly #recent: (readonly LabelRef[] | null)[] = new Array<readonly LabelRef[] | null>(64).fill(null);
  constructor(cap = 4096) {
    this.#cap = cap;
  }
  /** The labels of buf[start, end) (a JSON array), or undefined when it is not a valid labels array. */
  get(buf: Buffer, start: number, end: number): readonly LabelRef[] | undefined {
    return end - start === 2 ? EMPTY_LABELS : this.text(latin1(buf, start, end)); // "[]": the caller checked the grammar
  }

  /** The labels of an array's bytes as latin1 text (one char per byte). */
  text(k: string): readonly LabelRef[] | undefined {
    if (k === '[]') return EMPTY_LABELS;
    const slot = k.length & 63;
    if (this.#recentText[slot] === k) return this.#recent[slot] ?? undefined;
    let v = this.#map.get(k);
    if (v === undefined) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(asText(k));
      } catch {
        parsed = undefined;
      }
      const labels = labelsOf(parsed);
      v = labels ? Object.freeze(labels.map((l) => Object.freeze(l))) : null;
      if (this.#map.size >= this.#cap) this.#map.clear();
      this.#map.set(k, v);
    }
    this.#recentText[slot] = k;
    this.#recent[slot] = v;
    return v ?? undefined;
  }
}

/** One per reader: it keeps what repeats from line to line (keys, sensor, date, label sets). Not re-entrant. */
export class RecordScanner {
  readonly #labels: LabelCache;
  readonly #record = level(RECORD_SPEC);
  readonly #facts = level([['http', F_HTTP]]);
  readonly #http = level([['user_agent', F_USER_AGENT], ['path', F_PATH]]);
  #out: ScanOutput = emptyScanOutput();
  /** Bits of the record's keys seen by the last walk of the record level. */
  #seen = 0;
  // the last string scanned
  #escaped = false;
  #ascii = true;
  // the last date's midnight: records of a file share a few dates
  #lastYmd = -1;
  #lastMidnight = 0;
  // the sensor name repeats on every line of a file
  #sensor = '';
  #sensorBytes: Buffer | undefined;
  /** The buffer being scanned as latin1 text (one char per byte), for the template; one per buffer. */
  #text = '';
  #textOf: Buffer | undefined;
  // the sensor as the template saw it last, and decoded
  #sensorText: string | undefined;
  #sensorDecoded = '';
  /** A line copied here when nothing terminates it in its buffer (the inner loops stop at a "\n" after the line). */
  #scratch = Buffer.alloc(0);

  #templated = 0;

  constructor(labels = new LabelCache()) {
    this.#labels = labels;
  }

  /** Lines whose start the writer's template read (the rest were walked whole). */
  get templated(): number {
    return this.#templated;
  }

  /** Scans the JSON line buf[start, end) into `out`; false when the fast path cannot vouch for it (ask JSON.parse). */
  scan(buf: Buffer, start: number, end: number, out: ScanOutput): boolean {
    if (end >= buf.length || buf[end] !== NEWLINE) {
      const n = end - start;
      if (this.#scratch.length < n + 1) this.#scratch = Buffer.allocUnsafe(Math.max(n + 1, 2 * this.#scratch.length));
      buf.copy(this.#scratch, 0, start, end);
      this.#scratch[n] = NEWLINE;
      this.#textOf = undefined; // the same buffer, other bytes
      return this.scan(this.#scratch, 0, n, out);
    }
    this.#out = out;
    out.labels = EMPTY_LABELS;
    out.userAgent = undefined;
    out.path = undefined;
    let i = this.#ws(buf, start, end);
    if (buf[i] !== LBRACE) return false;
    // What the writer writes goes through its template at native regex speed; the rest of the line (labels,
    // facts and anything after) through the walker. A line the template does not fit is walked whole.
    if (buf !== this.#textOf) {
      this.#textOf = buf;
      this.#text = latin1(buf, 0, buf.length);
    }
    WRITER_PREFIX.lastIndex = i;
    const m = WRITER_PREFIX.exec(this.#text);
    if (m) this.#templated++;
    i = m ? this.#afterPrefix(m, buf, i + m[0].length, end) : this.#object(buf, i, end, 0, this.#record);
    if (i < 0 || this.#ws(buf, i, end) !== end) return false; // trailing text: not one JSON value
    return (this.#seen & this.#record.required) === this.#record.required;
  }

  /** The record's fields from the template's captures; then the members after "labels", from i on. */
  #afterPrefix(m: RegExpExecArray, buf: Buffer, i: number, end: number): number {
    const out = this.#out;
    // captures: 1 sensor, 2 "u" of udp, 3 src_ip, 4 dst_port, 5 "a" of acked, 6 "u" of udp (state), 7 labels
    const sensor = m[1]!, srcIp = m[3]!;
    out.dstPort = +m[4]!;
    if (out.dstPort > 65535) return FAIL;
    const tsAt = m.index + HEAD.length; // latin1 text: one char per byte
    out.tsMs = this.#ts(buf, tsAt, tsAt + TS_LENGTH);
    if (Number.isNaN(out.tsMs)) return FAIL;
    if (sensor !== this.#sensorText) {
      this.#sensorText = sensor;
      this.#sensorDecoded = asText(sensor);
    }
    out.sensor = this.#sensorDecoded;
    out.srcV4 = ipv4(srcIp);
    if (out.srcV4 < 0) out.srcIp = asText(srcIp);
    out.udp = m[2] !== undefined;
    out.state = m[5] !== undefined ? 1 : m[6] !== undefined ? 2 : 0;
    const labels = this.#labels.text(m[7]!);
    if (!labels) return FAIL;
    out.labels = labels;
    const seen = PREFIX_SEEN | this.#record.keys[LABELS_KEY]!.bit;
    let j = buf[i]! <= 0x20 ? this.#ws(buf, i, end) : i;
    if (buf[j] === RBRACE) {
      this.#seen = seen;
      return j + 1;
    }
    if (buf[j] !== COMMA) return FAIL;
    j++;
    if (buf[j]! <= 0x20) j = this.#ws(buf, j, end);
    // the walker's key order goes on after "labels"
    const known = this.#record.known;
    let cursor = 0;
    while (cursor < known.length && known[cursor]!.field !== F_LABELS) cursor++;
    return this.#members(buf, j, end, 0, this.#record, seen, cursor < known.length ? cursor + 1 : 0);
  }

  #ws(buf: Buffer, pos: number, end: number): number {
    while (pos < end && isWs(buf[pos])) pos++;
    return pos;
  }

  /**
   * The object at pos ("{"), walked member by member: values of `lv`'s keys of interest are read, all others
   * skipped. Returns the index after "}" or FAIL. Where a level has keys of interest, an escaped key or a repeated
   * key of interest fails (it may name a field JSON.parse would see differently).
   */
  #object(buf: Buffer, pos: number, end: number, depth: number, lv: Level | undefined): number {
    if (depth >= MAX_DEPTH) return FAIL;
    let i = pos + 1;
    if (buf[i]! <= 0x20) i = this.#ws(buf, i, end);
    if (buf[i] !== RBRACE) return this.#members(buf, i, end, depth, lv, 0, 0);
    if (lv === this.#record) this.#seen = 0;
    return i + 1;
  }

  /**
   * An object's members from the key at i on, with `seen` keys of interest already read and the writer's key
   * order at `cursor` (the key after the last one is tried first). Returns the index after "}" or FAIL.
   */
  #members(buf: Buffer, pos: number, end: number, depth: number, lv: Level | undefined, seen: number, cursor: number): number {
    let i = pos;
    for (;;) {
      if (buf[i] !== QUOTE) return FAIL;
      let k = lv === undefined ? undefined : lv.known[cursor];
      if (k !== undefined && sameBytes(buf, i + 1, k.bytes)) {
        cursor++;
      } else {
        k = lv === undefined ? undefined : findKnown(lv, buf, i + 1);
        if (k !== undefined) cursor = lv!.known.indexOf(k) + 1;
      }
      if (k !== undefined) {
        i += 1 + k.bytes.length; // `key":` matched byte for byte: a plain key, then the colon
      } else {
        const close = this.#string(buf, i);
        if (close < 0) return FAIL;
        if (lv !== undefined) {
          if (this.#escaped && lv.keys.length > 0) return FAIL;
          if (!this.#escaped) k = this.#known(lv, buf, i + 1, close);
          if (k !== undefined) cursor = lv.known.indexOf(k) + 1;
        }
        i = this.#ws(buf, close + 1, end);
        if (buf[i] !== COLON) return FAIL;
        i++;
      }
      if (buf[i]! <= 0x20) i = this.#ws(buf, i, end);
      if (k === undefined) {
        i = this.#skip(buf, i, end, depth + 1);
      } else if (k.field !== F_SKIP) {
        if (seen & k.bit) return FAIL;
        seen |= k.bit;
        i = this.#field(k.field, buf, i, end, depth + 1);
      } else if (buf[i] === QUOTE) {
        i = this.#string(buf, i);
        if (i >= 0) i++;
      } else if (buf[i] === LBRACE && depth === 0) {
        i = this.#object(buf, i, end, depth + 1, (k.child ??= level([])));
      } else {
        i = this.#skip(buf, i, end, depth + 1);
      }
      if (i < 0) return FAIL;
      let c = buf[i]!;
      if (c <= 0x20) c = buf[(i = this.#ws(buf, i, end))]!;
      if (c === COMMA) {
        i++;
        if (buf[i]! <= 0x20) i = this.#ws(buf, i, end);
        continue;
      }
      if (c !== RBRACE) return FAIL;
      if (lv === this.#record) this.#seen = seen;
      return i + 1;
    }
  }

  /**
   * The key buf[s, e) (plain, between quotes) of `lv`: remembered if there is room; undefined for a key of no
   * interest once there is none (a key of interest is always found).
   */
  #known(lv: Level, buf: Buffer, s: number, e: number): Known | undefined {
    const n = e - s;
    for (const k of lv.known) if (k.bytes.length === n + 2 && sameKey(buf, s, k.bytes, n)) return k;
    const i = lv.keys.findIndex((x) => x.bytes.length === n && sameBytes(buf, s, x.bytes));
    const make = (): Known => ({
      bytes: Buffer.from(buf.toString('latin1', s, e) + '":', 'latin1'), field: i < 0 ? F_SKIP : lv.keys[i]!.field,
      bit: i < 0 ? 0 : lv.keys[i]!.bit, child: undefined,
    });
    if (lv.known.length < MAX_KNOWN && n <= MAX_KNOWN_KEY) {
      const k = make();
      lv.known.push(k);
      return k;
    }
    return i < 0 ? undefined : (lv.spare[i] ??= make());
  }

  /** Any JSON value at pos (no leading whitespace), validated and skipped. */
  #skip(buf: Buffer, pos: number, end: number, depth: number): number {
    const c = buf[pos];
    if (c === QUOTE) {
      const close = this.#string(buf, pos);
      return close < 0 ? FAIL : close + 1;
    }
    if (c === LBRACE) return this.#object(buf, pos, end, depth, undefined);
    if (c === LBRACKET) return this.#array(buf, pos, end, depth);
    if (c === 0x74) return literal(buf, pos, TRUE);
    if (c === 0x66) return literal(buf, pos, FALSE);
    if (c === 0x6e) return literal(buf, pos, NULL);
    return number(buf, pos);
  }

  #array(buf: Buffer, pos: number, end: number, depth: number): number {
    if (depth >= MAX_DEPTH) return FAIL;
    let i = this.#ws(buf, pos + 1, end);
    if (buf[i] === RBRACKET) return i + 1;
    for (;;) {
      i = this.#skip(buf, i, end, depth + 1);
      if (i < 0) return FAIL;
      i = this.#ws(buf, i, end);
      if (buf[i] === RBRACKET) return i + 1;
      if (buf[i] !== COMMA) return FAIL;
      i = this.#ws(buf, i + 1, end);
    }
  }

  /** A value of interest at pos. */
  #field(field: number, buf: Buffer, pos: number, end: number, depth: number): number {
    const out = this.#out;
    const c = buf[pos];
    switch (field) {
      case F_SCHEMA: case F_IP_VERSION: case F_COUNT: case F_DST_PORT: {
        const e = uint(buf, pos);
        if (e < 0) return FAIL;
        const v = uintValue(buf, pos, e);
        if (field === F_SCHEMA ? v < 1 || v > SCHEMA_VERSION : field === F_IP_VERSION ? v !== 4 && v !== 6 : field === F_DST_PORT && v > 65535) return FAIL;
        if (field === F_DST_PORT) out.dstPort = v;
        return e;
      }
      case F_LABELS: {
        if (c !== LBRACKET) return FAIL;
        const e = this.#array(buf, pos, end, depth);
        if (e < 0) return FAIL;
        const l = this.#labels.get(buf, pos, e);
        if (!l) return FAIL;
        out.labels = l;
        return e;
      }
      case F_FACTS: return c === LBRACE ? this.#object(buf, pos, end, depth, this.#facts) : this.#skip(buf, pos, end, depth);
      case F_HTTP: return c === LBRACE ? this.#object(buf, pos, end, depth, this.#http) : this.#skip(buf, pos, end, depth);
      case F_USER_AGENT: case F_PATH: {
        if (c !== QUOTE) return this.#skip(buf, pos, end, depth);
        const close = this.#string(buf, pos);
        if (close < 0) return FAIL;
        const v = this.#stringValue(buf, pos, close);
        if (field === F_USER_AGENT) out.userAgent = v;
        else out.path = v;
        return close + 1;
      }
      default: {
        if (c !== QUOTE) return FAIL; // the rest are strings
        const close = this.#string(buf, pos);
        return close < 0 || !this.#stringField(field, buf, pos + 1, close) ? FAIL : close + 1;
      }
    }
  }

  /** A string field of the record; its text is buf[s, e) (after #string). */
  #stringField(field: number, buf: Buffer, s: number, e: number): boolean {
    const out = this.#out;
    switch (field) {
      case F_STRING: return true;
      case F_SENSOR: {
        const last = this.#sensorBytes;
        if (this.#escaped || last === undefined || last.length !== e - s || !sameBytes(buf, s, last)) {
          this.#sensor = this.#stringValue(buf, s - 1, e);
          this.#sensorBytes = this.#escaped ? undefined : Buffer.from(buf.subarray(s, e));
        }
        out.sensor = this.#sensor;
        return true;
      }
      case F_SRC_IP:
        out.srcIp = this.#stringValue(buf, s - 1, e);
        out.srcV4 = ipv4(out.srcIp);
        return true;
    }
    if (this.#escaped) return false;
    switch (field) {
      case F_EVENT: return e - s === 4 && sameBytes(buf, s, FLOW);
      case F_TS: out.tsMs = this.#ts(buf, s, e); return !Number.isNaN(out.tsMs);
      case F_PROTO:
        out.udp = e - s === 3 && sameBytes(buf, s, UDP);
        return out.udp || (e - s === 3 && sameBytes(buf, s, TCP));
      case F_STATE:
        out.state = e - s === 3 ? (sameBytes(buf, s, SYN) ? 0 : sameBytes(buf, s, UDP) ? 2 : -1) : e - s === 5 && sameBytes(buf, s, ACKED) ? 1 : -1;
        return out.state >= 0;
    }
    return false;
  }

  /**
   * buf[pos] is the opening quote. Returns the index of the closing quote, or FAIL for invalid JSON string text;
   * sets #escaped and #ascii. The line's "\n" ends every run of plain bytes, so no bound is checked per byte.
   */
  #string(buf: Buffer, pos: number): number {
    let escaped = false, ascii = true;
    let i = pos + 1;
    for (;;) {
      while (PLAIN[buf[i]!] === 1 && PLAIN[buf[i + 1]!] === 1 && PLAIN[buf[i + 2]!] === 1 && PLAIN[buf[i + 3]!] === 1) i += 4;
      const c = buf[i]!;
      if (PLAIN[c] === 1) {
        i++;
      } else if (c === QUOTE) {
        break;
      } else if (c === BACKSLASH) {
        escaped = true;
        const e = buf[i + 1];
        if (e === 0x75) { // \uXXXX
          if (!isHex(buf[i + 2]!) || !isHex(buf[i + 3]!) || !isHex(buf[i + 4]!) || !isHex(buf[i + 5]!)) return FAIL;
          i += 6;
        } else if (e === QUOTE || e === BACKSLASH || e === 0x2f || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) {
          i += 2;
        } else {
          return FAIL;
        }
      } else if (c >= 0x80) {
        ascii = false;
        i++;
      } else {
        return FAIL; // JSON forbids raw control characters in strings (the line's "\n" among them)
      }
    }
    this.#escaped = escaped;
    this.#ascii = ascii;
    return i;
  }

  /** The decoded text of the string whose quotes are at `open` and `close` (after #string). */
  #stringValue(buf: Buffer, open: number, close: number): string {
    if (this.#escaped) return JSON.parse(utf8(buf, open, close + 1)) as string;
    return this.#ascii ? latin1(buf, open + 1, close) : utf8(buf, open + 1, close);
  }

  /** `YYYY-MM-DDTHH:MM:SS[.fraction]Z` in buf[s, e), else NaN (the caller then asks JSON.parse). */
  #ts(buf: Buffer, s: number, e: number): number {
    const n = e - s;
    if (n < 20 || buf[s + 4] !== 0x2d || buf[s + 7] !== 0x2d || buf[s + 10] !== 0x54 || buf[s + 13] !== COLON ||
      buf[s + 16] !== COLON || buf[e - 1] !== 0x5a) return NaN;
    for (const k of TS_DIGITS) if (!isDigit(buf[s + k])) return NaN;
    let ms = 0;
    if (n > 20) {
      if (buf[s + 19] !== 0x2e || n === 21 || n - 21 > 9) return NaN;
      for (let i = s + 20; i < e - 1; i++) if (!isDigit(buf[i])) return NaN;
      // milliseconds: the first three digits of the fraction, truncated
      for (let k = 0; k < 3; k++) ms = ms * 10 + (s + 20 + k < e - 1 ? buf[s + 20 + k]! - 0x30 : 0);
    }
    const hour = d2(buf, s + 11), min = d2(buf, s + 14), sec = d2(buf, s + 17);
    if (hour > 23 || min > 59 || sec > 59) return NaN;
    const ymd = (d2(buf, s) * 100 + d2(buf, s + 2)) * 10000 + d2(buf, s + 5) * 100 + d2(buf, s + 8);
    if (ymd !== this.#lastYmd) {
      const year = Math.floor(ymd / 10000), month = Math.floor(ymd / 100) % 100, day = ymd % 100;
      if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return NaN;
      this.#lastYmd = ymd;
      this.#lastMidnight = utcMs(year, month, day, 0, 0, 0, 0);
    }
    return this.#lastMidnight + ((hour * 60 + min) * 60 + sec) * 1000 + ms;
  }
}

const FLOW = Buffer.from('flow'), TCP = Buffer.from('tcp'), UDP = Buffer.from('udp'), SYN = Buffer.from('syn'), ACKED = Buffer.from('acked');
const TRUE = Buffer.from('true'), FALSE = Buffer.from('false'), NULL = Buffer.from('null');
const TS_DIGITS = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18];
const d2 = (buf: Buffer, i: number): number => (buf[i]! - 0x30) * 10 + (buf[i + 1]! - 0x30);

function literal(buf: Buffer, pos: number, word: Buffer): number {
  return sameBytes(buf, pos, word) ? pos + word.length : FAIL;
}

/** JSON number grammar (RFC 8259 §6); returns the index after it or FAIL. */
function number(buf: Buffer, pos: number): number {
  let i = pos;
  if (buf[i] === 0x2d) i++;
  if (buf[i] === 0x30) i++;
  else if (isDigit(buf[i])) while (isDigit(buf[i])) i++;
  else return FAIL;
  if (buf[i] === 0x2e) {
    if (!isDigit(buf[++i])) return FAIL;
    while (isDigit(buf[i])) i++;
  }
  if (buf[i] === 0x65 || buf[i] === 0x45) {
    i++;
    if (buf[i] === 0x2b || buf[i] === 0x2d) i++;
    if (!isDigit(buf[i])) return FAIL;
    while (isDigit(buf[i])) i++;
  }
  return i;
}

/**
 * A plain non-negative integer of up to 15 digits (exact as a double): the index after it, else FAIL (a sign,
 * fraction, exponent or leading zero: JSON.parse decides).
 */
function uint(buf: Buffer, pos: number): number {
  let i = pos;
  while (isDigit(buf[i])) i++;
  const n = i - pos;
  if (n === 0 || n > 15 || (n > 1 && buf[pos] === 0x30)) return FAIL;
  const c = buf[i];
  return c === 0x2e || c === 0x65 || c === 0x45 ? FAIL : i;
}

function uintValue(buf: Buffer, s: number, e: number): number {
  let v = 0;
  for (let i = s; i < e; i++) v = v * 10 + buf[i]! - 0x30;
  return v;
}
