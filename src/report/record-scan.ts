// Fast path: reads the fields the report counts straight from the line's bytes, without JSON.parse of the whole
// record (the base64 payload and most fields are only skipped). It validates the JSON grammar of everything it
// walks, but returns `undefined` (= "ask JSON.parse") on anything unusual: escapes in a field it needs, a
// duplicated key, a number that is not a plain integer, a time that is not `YYYY-MM-DDTHH:MM:SS[.f]Z`, deep
// nesting. So a record it returns is exactly `viewOfRecord(JSON.parse(line))`; a property test holds it to that.

import { type FlowState, RECORD_SCHEMA_VERSION } from '../record/flow-record.ts';
import { daysInMonth, fractionMs, utcMs } from '../record/utc-time.ts';
import { type LabelRef, type RecordView, labelsOf } from './record-view.ts';

const QUOTE = 0x22, BACKSLASH = 0x5c, COLON = 0x3a, COMMA = 0x2c;
const LBRACE = 0x7b, RBRACE = 0x7d, LBRACKET = 0x5b, RBRACKET = 0x5d;
const MAX_DEPTH = 32;

const key = (s: string): Buffer => Buffer.from(s, 'latin1');
const K_EVENT = key('event'), K_TS = key('ts'), K_SENSOR = key('sensor'), K_SRC_IP = key('src_ip');
const K_DST_PORT = key('dst_port'), K_PROTO = key('proto'), K_STATE = key('state'), K_LABELS = key('labels');
const K_SCHEMA = key('schema'), K_FLOW_ID = key('flow_id'), K_DST_IP = key('dst_ip'), K_PAYLOAD = key('payload');
const K_IP_VERSION = key('ip_version'), K_SRC_PORT = key('src_port'), K_PAYLOAD_LEN = key('payload_len');
const K_FACTS = key('facts'), K_HTTP = key('http'), K_USER_AGENT = key('user_agent'), K_PATH = key('path');

// Bits of the keys seen, to refuse duplicates (JSON.parse would keep the last one).
const B_EVENT = 1, B_TS = 2, B_SENSOR = 4, B_SRC_IP = 8, B_DST_PORT = 16, B_PROTO = 32, B_STATE = 64, B_LABELS = 128;
const B_FACTS = 256, B_SCHEMA = 512, B_FLOW_ID = 1024, B_DST_IP = 2048, B_PAYLOAD = 4096, B_IP_VERSION = 8192;
const B_SRC_PORT = 16384, B_PAYLOAD_LEN = 32768;
// Everything record/ndjson.ts recordProblem() requires, so both paths accept the same records.
const REQUIRED = B_EVENT | B_TS | B_SENSOR | B_SRC_IP | B_DST_PORT | B_PROTO | B_STATE | B_LABELS | B_SCHEMA |
  B_FLOW_ID | B_DST_IP | B_PAYLOAD | B_IP_VERSION | B_SRC_PORT | B_PAYLOAD_LEN;
const STRING_ONLY = B_FLOW_ID | B_DST_IP | B_PAYLOAD; // must be strings, value unused
const COUNT = B_SRC_PORT | B_PAYLOAD_LEN; // must be non-negative integers, value unused

const EMPTY_LABELS: readonly LabelRef[] = Object.freeze([]);

// Buffer#latin1Slice / #utf8Slice skip toString()'s argument handling (a measurable share per record); they have
// been on Buffer.prototype since early Node and still are, but fall back to toString() should one go away.
type Slicer = (buf: Buffer, start: number, end: number) => string;
const proto = Buffer.prototype as unknown as { latin1Slice?: (s: number, e: number) => string; utf8Slice?: (s: number, e: number) => string };
const latin1: Slicer = typeof proto.latin1Slice === 'function'
  ? (buf, s, e) => (buf as unknown as { latin1Slice(s: number, e: number): string }).latin1Slice(s, e)
  : (buf, s, e) => buf.toString('latin1', s, e);
const utf8: Slicer = typeof proto.utf8Slice === 'function'
  ? (buf, s, e) => (buf as unknown as { utf8Slice(s: number, e: number): string }).utf8Slice(s, e)
  : (buf, s, e) => buf.toString('utf8', s, e);

/**
 * Parsed "labels" arrays by their exact bytes: a few distinct label sets repeat across millions of records.
 * Bounded: cleared when full.
 */
export class LabelCache {
  readonly #map = new Map<string, readonly LabelRef[] | null>();
  readonly #cap: number;
  constructor(cap = 4096) {
    this.#cap = cap;
  }
  /** The labels of buf[start, end) (a JSON array), or undefined when it is not a valid labels array. */
  get(buf: Buffer, start: number, end: number): readonly LabelRef[] | undefined {
    if (end - start === 2) return EMPTY_LABELS; // "[]": the grammar was checked by the caller
    const k = latin1(buf, start, end);
    let v = this.#map.get(k);
    if (v === undefined) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(buf.toString('utf8', start, end));
      } catch {
        parsed = undefined;
      }
      const labels = labelsOf(parsed);
      v = labels ? Object.freeze(labels) : null;
      if (this.#map.size >= this.#cap) this.#map.clear();
      this.#map.set(k, v);
    }
    return v ?? undefined;
  }
}

// The scanner's position and the last string's properties. Module state keeps the hot loop free of allocations;
// the scanner is synchronous and not re-entrant.
let strEscaped = false;
let strAscii = true;

const isWs = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

function skipWs(buf: Buffer, pos: number, end: number): number {
  while (pos < end && isWs(buf[pos]!)) pos++;
  return pos;
}

const isHex = (c: number): boolean => (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);

// Byte classes inside a JSON string: 0 ordinary ASCII, 1 quote, 2 backslash, 3 control (invalid), 4 non-ASCII.
const STR_CLASS = (() => {
  const t = new Uint8Array(256);
  for (let c = 0; c < 0x20; c++) t[c] = 3;
  t[QUOTE] = 1;
  t[BACKSLASH] = 2;
  for (let c = 0x80; c < 0x100; c++) t[c] = 4;
  return t;
})();

/** buf[pos] is the opening quote. Returns the index of the closing quote, or -1 for invalid JSON string text. */
function scanString(buf: Buffer, pos: number, end: number): number {
  strEscaped = false;
  strAscii = true;
  for (let i = pos + 1; i < end; i++) {
    const k = STR_CLASS[buf[i]!]!;
    if (k === 0) continue;
    if (k === 1) return i;
    if (k === 2) {
      strEscaped = true;
      if (++i >= end) return -1;
      const e = buf[i];
      if (e === 0x75) { // \uXXXX
        if (i + 4 >= end || !isHex(buf[i + 1]!) || !isHex(buf[i + 2]!) || !isHex(buf[i + 3]!) || !isHex(buf[i + 4]!)) return -1;
        i += 4;
      } else if (e !== QUOTE && e !== BACKSLASH && e !== 0x2f && e !== 0x62 && e !== 0x66 && e !== 0x6e && e !== 0x72 && e !== 0x74) {
        return -1;
      }
    } else if (k === 3) {
      return -1; // JSON forbids raw control characters in strings
    } else {
      strAscii = false;
    }
  }
  return -1;
}

/** The decoded text of the string whose quotes are at `open` and `close` (after scanString). */
function stringValue(buf: Buffer, open: number, close: number): string {
  if (strEscaped) return JSON.parse(buf.toString('utf8', open, close + 1)) as string;
  return strAscii ? latin1(buf, open + 1, close) : utf8(buf, open + 1, close);
}

const isDigit = (c: number | undefined): boolean => c !== undefined && c >= 0x30 && c <= 0x39;

/** JSON number grammar; returns the index after it or -1. */
function scanNumber(buf: Buffer, pos: number, end: number): number {
  let i = pos;
  if (buf[i] === 0x2d) i++;
  if (i >= end) return -1;
  if (buf[i] === 0x30) i++;
  else if (isDigit(buf[i])) while (i < end && isDigit(buf[i])) i++;
  else return -1;
  if (i < end && buf[i] === 0x2e) {
    i++;
    if (!(i < end && isDigit(buf[i]))) return -1;
    while (i < end && isDigit(buf[i])) i++;
  }
  if (i < end && (buf[i] === 0x65 || buf[i] === 0x45)) {
    i++;
    if (i < end && (buf[i] === 0x2b || buf[i] === 0x2d)) i++;
    if (!(i < end && isDigit(buf[i]))) return -1;
    while (i < end && isDigit(buf[i])) i++;
  }
  return i;
}

function scanLiteral(buf: Buffer, pos: number, end: number, word: string): number {
  if (pos + word.length > end) return -1;
  for (let k = 0; k < word.length; k++) if (buf[pos + k] !== word.charCodeAt(k)) return -1;
  return pos + word.length;
}

/** Skips any JSON value at pos (no leading whitespace). Returns the index after it, or -1 (invalid or too deep). */
function skipValue(buf: Buffer, pos: number, end: number, depth: number): number {
  if (pos >= end) return -1;
  const c = buf[pos]!;
  if (c === QUOTE) {
    const close = scanString(buf, pos, end);
    return close < 0 ? -1 : close + 1;
  }
  if (c === LBRACE || c === LBRACKET) {
    if (depth >= MAX_DEPTH) return -1;
    const isObj = c === LBRACE;
    const closer = isObj ? RBRACE : RBRACKET;
    let i = skipWs(buf, pos + 1, end);
    if (i < end && buf[i] === closer) return i + 1;
    for (;;) {
      if (isObj) {
        if (buf[i] !== QUOTE) return -1;
        const close = scanString(buf, i, end);
        if (close < 0) return -1;
        i = skipWs(buf, close + 1, end);
        if (buf[i] !== COLON) return -1;
        i = skipWs(buf, i + 1, end);
      }
      i = skipValue(buf, i, end, depth + 1);
      if (i < 0) return -1;
      i = skipWs(buf, i, end);
      if (i >= end) return -1;
      if (buf[i] === closer) return i + 1;
      if (buf[i] !== COMMA) return -1;
      i = skipWs(buf, i + 1, end);
    }
  }
  if (c === 0x74) return scanLiteral(buf, pos, end, 'true');
  if (c === 0x66) return scanLiteral(buf, pos, end, 'false');
  if (c === 0x6e) return scanLiteral(buf, pos, end, 'null');
  return scanNumber(buf, pos, end);
}

function keyIs(buf: Buffer, start: number, len: number, k: Buffer): boolean {
  if (len !== k.length) return false;
  for (let i = 0; i < len; i++) if (buf[start + i] !== k[i]) return false;
  return true;
}

const TS_DIGITS = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18];
const d2 = (buf: Buffer, i: number): number => (buf[i]! - 0x30) * 10 + (buf[i + 1]! - 0x30);

/** `YYYY-MM-DDTHH:MM:SS[.fraction]Z` between the quotes, else NaN (the caller then asks JSON.parse). */
function fastTs(buf: Buffer, s: number, e: number): number {
  const n = e - s;
  if (n < 20 || buf[s + 4] !== 0x2d || buf[s + 7] !== 0x2d || buf[s + 10] !== 0x54 || buf[s + 13] !== COLON ||
    buf[s + 16] !== COLON || buf[e - 1] !== 0x5a) return NaN;
  for (const k of TS_DIGITS) if (!isDigit(buf[s + k])) return NaN;
  let ms = 0;
  if (n > 20) {
    if (buf[s + 19] !== 0x2e || n - 21 > 9 || n === 21) return NaN;
    for (let i = s + 20; i < e - 1; i++) if (!isDigit(buf[i])) return NaN;
    ms = fractionMs(buf.toString('latin1', s + 20, e - 1));
  }
  const hour = d2(buf, s + 11), min = d2(buf, s + 14), sec = d2(buf, s + 17);
  if (hour > 23 || min > 59 || sec > 59) return NaN;
  // Records of a file share a few dates: remember the last one's midnight instead of calling Date.UTC.
  const ymd = (d2(buf, s) * 100 + d2(buf, s + 2)) * 10000 + d2(buf, s + 5) * 100 + d2(buf, s + 8);
  if (ymd !== lastYmd) {
    const year = Math.floor(ymd / 10000), month = Math.floor(ymd / 100) % 100, day = ymd % 100;
    if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return NaN;
    lastYmd = ymd;
    lastMidnight = utcMs(year, month, day, 0, 0, 0, 0);
  }
  return lastMidnight + ((hour * 60 + min) * 60 + sec) * 1000 + ms;
}
let lastYmd = -1;
let lastMidnight = 0;

/** Reads facts.http.{user_agent,path} from the facts object at pos. Returns the index after it or -1 / -2 (ask JSON.parse). */
let factUa: string | undefined;
let factPath: string | undefined;
function scanFacts(buf: Buffer, pos: number, end: number): number {
  factUa = undefined;
  factPath = undefined;
  if (buf[pos] !== LBRACE) return skipValue(buf, pos, end, 1);
  let seenHttp = false;
  let i = skipWs(buf, pos + 1, end);
  if (buf[i] === RBRACE) return i + 1;
  for (;;) {
    if (buf[i] !== QUOTE) return -1;
    const close = scanString(buf, i, end);
    if (close < 0) return -1;
    if (strEscaped) return -2;
    const isHttp = keyIs(buf, i + 1, close - i - 1, K_HTTP);
    i = skipWs(buf, close + 1, end);
    if (buf[i] !== COLON) return -1;
    i = skipWs(buf, i + 1, end);
    if (isHttp) {
      if (seenHttp) return -2;
      seenHttp = true;
      i = buf[i] === LBRACE ? scanHttp(buf, i, end) : skipValue(buf, i, end, 2);
    } else {
      i = skipValue(buf, i, end, 2);
    }
    if (i < 0) return i;
    i = skipWs(buf, i, end);
    if (buf[i] === RBRACE) return i + 1;
    if (buf[i] !== COMMA) return -1;
    i = skipWs(buf, i + 1, end);
  }
}

function scanHttp(buf: Buffer, pos: number, end: number): number {
  let seen = 0;
  let i = skipWs(buf, pos + 1, end);
  if (buf[i] === RBRACE) return i + 1;
  for (;;) {
    if (buf[i] !== QUOTE) return -1;
    const close = scanString(buf, i, end);
    if (close < 0) return -1;
    if (strEscaped) return -2;
    const len = close - i - 1;
    const which = keyIs(buf, i + 1, len, K_USER_AGENT) ? 1 : keyIs(buf, i + 1, len, K_PATH) ? 2 : 0;
    i = skipWs(buf, close + 1, end);
    if (buf[i] !== COLON) return -1;
    i = skipWs(buf, i + 1, end);
    if (which !== 0) {
      if (seen & which) return -2;
      seen |= which;
      if (buf[i] === QUOTE) {
        const vClose = scanString(buf, i, end);
        if (vClose < 0) return -1;
        const v = stringValue(buf, i, vClose);
        if (which === 1) factUa = v;
        else factPath = v;
        i = vClose + 1;
      } else {
        i = skipValue(buf, i, end, 3);
      }
    } else {
      i = skipValue(buf, i, end, 3);
    }
    if (i < 0) return i;
    i = skipWs(buf, i, end);
    if (buf[i] === RBRACE) return i + 1;
    if (buf[i] !== COMMA) return -1;
    i = skipWs(buf, i + 1, end);
  }
}

// The sensor name repeats on every line of a file: keep the last one's bytes and string.
let lastSensor = '';
let lastSensorBytes: Buffer | undefined;
function sameAsLastSensor(buf: Buffer, s: number, e: number): boolean {
  const last = lastSensorBytes;
  if (last === undefined || strEscaped || last.length !== e - s) return false;
  for (let k = 0; k < last.length; k++) if (buf[s + k] !== last[k]) return false;
  return true;
}

/** Compares a string value (between quotes, no escapes) to an ASCII word. */
function valueIs(buf: Buffer, open: number, close: number, word: string): boolean {
  if (close - open - 1 !== word.length) return false;
  for (let k = 0; k < word.length; k++) if (buf[open + 1 + k] !== word.charCodeAt(k)) return false;
  return true;
}

/** The bit of a key the report reads, 0 for the others. */
function keyBit(buf: Buffer, ks: number, klen: number): number {
  let bit = 0;
  switch (klen) {
    case 2: if (keyIs(buf, ks, klen, K_TS)) bit = B_TS; break;
    case 7:
      if (keyIs(buf, ks, klen, K_PAYLOAD)) bit = B_PAYLOAD;
      else if (keyIs(buf, ks, klen, K_FLOW_ID)) bit = B_FLOW_ID;
      break;
    case 10: if (keyIs(buf, ks, klen, K_IP_VERSION)) bit = B_IP_VERSION; break;
    case 11: if (keyIs(buf, ks, klen, K_PAYLOAD_LEN)) bit = B_PAYLOAD_LEN; break;
    case 5:
      if (keyIs(buf, ks, klen, K_EVENT)) bit = B_EVENT;
      else if (keyIs(buf, ks, klen, K_PROTO)) bit = B_PROTO;
      else if (keyIs(buf, ks, klen, K_STATE)) bit = B_STATE;
      else if (keyIs(buf, ks, klen, K_FACTS)) bit = B_FACTS;
      break;
    case 6:
      if (keyIs(buf, ks, klen, K_SENSOR)) bit = B_SENSOR;
      else if (keyIs(buf, ks, klen, K_SRC_IP)) bit = B_SRC_IP;
      else if (keyIs(buf, ks, klen, K_LABELS)) bit = B_LABELS;
      else if (keyIs(buf, ks, klen, K_SCHEMA)) bit = B_SCHEMA;
      else if (keyIs(buf, ks, klen, K_DST_IP)) bit = B_DST_IP;
      break;
    case 8:
      if (keyIs(buf, ks, klen, K_DST_PORT)) bit = B_DST_PORT;
      else if (keyIs(buf, ks, klen, K_SRC_PORT)) bit = B_SRC_PORT;
      break;
  }
  return bit;
}

// Keys by position, from the last line whose keys were scanned the long way (see scanRecord).
const predictedKeys: (Buffer | undefined)[] = [];
const predictedBits: number[] = [];

/**
 * The RecordView of the JSON line buf[start, end), or undefined when the fast path cannot vouch for it (the
 * caller then uses JSON.parse + viewOfRecord, which also names what is wrong).
 */
export function scanRecord(buf: Buffer, start: number, end: number, labelCache: LabelCache): RecordView | undefined {
  let i = skipWs(buf, start, end);
  if (buf[i] !== LBRACE) return undefined;
  i = skipWs(buf, i + 1, end);
  let seen = 0;
  let tsMs = NaN, sensor = '', srcIp = '', dstPort = -1;
  let proto: 'tcp' | 'udp' = 'tcp';
  let state: FlowState = 'syn';
  let labels: readonly LabelRef[] = EMPTY_LABELS;
  let ua: string | undefined, path: string | undefined;
  if (buf[i] === RBRACE) return undefined;
  for (let keyIndex = 0; ; keyIndex++) {
    if (buf[i] !== QUOTE) return undefined;
    let bit: number;
    let kClose: number;
    // The writer emits keys in one order: first try the key seen at this position last time. Its plain bytes
    // followed by a quote are a complete, valid key.
    const pk = predictedKeys[keyIndex];
    if (pk !== undefined && i + 1 + pk.length < end && buf[i + 1 + pk.length] === QUOTE && keyIs(buf, i + 1, pk.length, pk)) {
      kClose = i + 1 + pk.length;
      bit = predictedBits[keyIndex]!;
    } else {
      kClose = scanString(buf, i, end);
      if (kClose < 0 || strEscaped) return undefined;
      bit = keyBit(buf, i + 1, kClose - i - 1);
      predictedKeys[keyIndex] = Buffer.from(buf.subarray(i + 1, kClose));
      predictedBits[keyIndex] = bit;
    }
    i = skipWs(buf, kClose + 1, end);
    if (buf[i] !== COLON) return undefined;
    i = skipWs(buf, i + 1, end);
    if (i >= end) return undefined;
    const c = buf[i]!;
    if (bit === 0) {
      i = skipValue(buf, i, end, 1);
      if (i < 0) return undefined;
    } else {
      if (seen & bit) return undefined;
      seen |= bit;
      if (bit & (B_DST_PORT | B_SCHEMA | B_IP_VERSION | COUNT)) {
        const e = scanNumber(buf, i, end);
        if (e < 0 || e - i > 15) return undefined;
        let v = 0;
        for (let k = i; k < e; k++) {
          const d = buf[k]!;
          if (d < 0x30 || d > 0x39) return undefined; // sign, fraction or exponent: JSON.parse decides
          v = v * 10 + d - 0x30;
        }
        if (bit === B_DST_PORT) {
          if (v > 65535) return undefined;
          dstPort = v;
        } else if (bit === B_SCHEMA) {
          if (v < 1 || v > RECORD_SCHEMA_VERSION) return undefined;
        } else if (bit === B_IP_VERSION) {
          if (v !== 4 && v !== 6) return undefined;
        }
        i = e;
      } else if (bit & STRING_ONLY) {
        if (c !== QUOTE) return undefined;
        const close = scanString(buf, i, end);
        if (close < 0) return undefined;
        i = close + 1;
      } else if (bit === B_LABELS) {
        if (c !== LBRACKET) return undefined;
        const e = skipValue(buf, i, end, 1);
        if (e < 0) return undefined;
        const l = labelCache.get(buf, i, e);
        if (!l) return undefined;
        labels = l;
        i = e;
      } else if (bit === B_FACTS) {
        const e = scanFacts(buf, i, end);
        if (e < 0) return undefined;
        ua = factUa;
        path = factPath;
        i = e;
      } else {
        if (c !== QUOTE) return undefined;
        const close = scanString(buf, i, end);
        if (close < 0) return undefined;
        if (bit === B_SENSOR) {
          if (sameAsLastSensor(buf, i + 1, close)) {
            sensor = lastSensor;
          } else {
            const escaped = strEscaped;
            sensor = lastSensor = stringValue(buf, i, close);
            lastSensorBytes = escaped ? undefined : Buffer.from(buf.subarray(i + 1, close));
          }
        } else if (bit === B_SRC_IP) {
          srcIp = stringValue(buf, i, close);
        } else {
          if (strEscaped) return undefined;
          if (bit === B_EVENT) {
            if (!valueIs(buf, i, close, 'flow')) return undefined;
          } else if (bit === B_TS) {
            tsMs = fastTs(buf, i + 1, close);
            if (Number.isNaN(tsMs)) return undefined;
          } else if (bit === B_PROTO) {
            if (valueIs(buf, i, close, 'tcp')) proto = 'tcp';
            else if (valueIs(buf, i, close, 'udp')) proto = 'udp';
            else return undefined;
          } else if (bit === B_STATE) {
            if (valueIs(buf, i, close, 'syn')) state = 'syn';
            else if (valueIs(buf, i, close, 'acked')) state = 'acked';
            else if (valueIs(buf, i, close, 'udp')) state = 'udp';
            else return undefined;
          }
        }
        i = close + 1;
      }
    }
    i = skipWs(buf, i, end);
    if (i >= end) return undefined;
    if (buf[i] === RBRACE) break;
    if (buf[i] !== COMMA) return undefined;
    i = skipWs(buf, i + 1, end);
  }
  if (skipWs(buf, i + 1, end) !== end) return undefined; // trailing text: not one JSON value
  if ((seen & REQUIRED) !== REQUIRED) return undefined;
  return { tsMs, sensor, srcIp, dstPort, proto, state, labels, httpUserAgent: ua, httpPath: path };
}
