// The buffers a signature inspects, built from one record on first use: the client's payload and the
// request-side views of it (HTTP request fields, DNS query name, TLS SNI and fingerprints, SSH banner parts).
// An absent view (no HTTP request, no Cookie header, no body...) is null, and a keyword list on a null
// buffer does not match, as in Suricata. The built-in classifier's parse is reused when given.

import { Buffer } from 'node:buffer';
import { extractFacts, type Parsed } from '../extract/facts.ts';
import { mergedHeaders, originTarget, requestAuthority, type Authority, type MergedHeader } from '../extract/http-fields.ts';
import { ja3Hash, ja3String } from '../extract/ja3.ts';
import { ja4 } from '../extract/tls.ts';
import { parseIp } from '../../wire/address.ts';
import { INSPECT_LIMIT } from '../limits.ts';
import type { ClassifyInput } from '../types.ts';
import { InspectBuffer } from './inspect-buffer.ts';
import type { AppProto, BufferKey, BufferName } from './signature.ts';
import { normalizeUri } from './uri-normalize.ts';

export interface SignatureInput extends ClassifyInput {
  /** The built-in classifier's extraction for the same record, to avoid parsing twice. */
  readonly parsed?: Parsed;
  /** Payload bytes of the first data packet (dsize); default: the inspected payload length. */
  readonly dsize?: number;
  /** The flow's application protocol when this input is one of its later messages (decided on the first). */
  readonly app?: AppProto;
}

/** The application protocol a parse shows (what `alert http` ... selects on). */
export function appProtoOf(p: Parsed): AppProto | undefined {
  const proto = p.request?.protocol;
  return proto?.startsWith('HTTP/') ? 'http' : proto?.startsWith('SIP/') ? 'sip' : p.tls ? 'tls' : p.dns ? 'dns' : p.ssh !== undefined ? 'ssh' : undefined;
}

const unescapeDns = (q: string) => (q === '.' ? '' : q.replace(/\\(\d{3})/g, (_, d: string) => String.fromCharCode(Number(d))));

/**
 * The last address parsed, kept: a sensor's records mostly share their destination, and a scanner's records
 * their source. The bytes are shared and never written to.
 */
class LastAddress {
  #text: string | undefined;
  #bytes: Uint8Array | null = null;
  parse(text: string): Uint8Array | null {
    if (text !== this.#text) {
      this.#bytes = parseIp(text);
      this.#text = text;
    }
    return this.#bytes;
  }
}
const SRC = new LastAddress();
const DST = new LastAddress();

export class RecordViews {
  readonly input: SignatureInput;
  readonly parsed: Parsed;
  readonly payload: InspectBuffer;
  readonly app: AppProto | undefined;
  readonly #cache = new Map<string, InspectBuffer | null>();
  #src: Uint8Array | null | undefined;
  #dst: Uint8Array | null | undefined;
  #headers: MergedHeader[] | undefined;
  #byName: Map<string, string> | undefined;
  #auth: Authority | null | undefined;

  /** parsed: the built-in classifier's parse of the same payload (default: input.parsed, else parsed here). */
  constructor(input: SignatureInput, parsed: Parsed | undefined = input.parsed) {
    this.input = input;
    const bytes = input.payload.length > INSPECT_LIMIT ? input.payload.subarray(0, INSPECT_LIMIT) : input.payload;
    const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
    this.payload = new InspectBuffer(text);
    this.parsed = parsed ?? extractFacts(input, bytes, text);
    this.app = input.app ?? appProtoOf(this.parsed);
  }

  get srcIp(): Uint8Array | null {
    return this.#src === undefined ? (this.#src = SRC.parse(this.input.src_ip)) : this.#src;
  }

  get dstIp(): Uint8Array | null {
    return this.#dst === undefined ? (this.#dst = DST.parse(this.input.dst_ip)) : this.#dst;
  }

  get(key: BufferKey): InspectBuffer | null {
    if (key.name === 'payload') return this.payload;
    const id = key.dotprefix ? `${key.name}|.` : key.name;
    let b = this.#cache.get(id);
    if (b === undefined) {
      const t = this.#text(key.name);
      b = t === undefined ? null : new InspectBuffer(key.dotprefix ? `.${t}` : t);
      this.#cache.set(id, b);
    }
    return b;
  }

  #mergedHeaders(): MergedHeader[] {
    return (this.#headers ??= this.parsed.request ? mergedHeaders(this.parsed.request) : []);
  }

  /** A merged header's value by lower-case name (the headers are looked up by name for several buffers). */
  #value(lowerName: string): string | undefined {
    if (this.#byName === undefined) {
      this.#byName = new Map();
      for (const h of this.#mergedHeaders()) this.#byName.set(h.name.toLowerCase(), h.value);
    }
    return this.#byName.get(lowerName);
  }

  #authority(): Authority | undefined {
    if (this.#auth === undefined) this.#auth = requestAuthority(this.parsed.request!, this.#mergedHeaders()) ?? null;
    return this.#auth ?? undefined;
  }

  #text(name: BufferName): string | undefined {
    const p = this.parsed;
    if (name.startsWith('http.')) return this.app === 'http' && p.request ? this.#http(name) : undefined;
    switch (name) {
      case 'dns.query': return p.dns ? unescapeDns(p.dns.qname) : undefined;
      case 'tls.sni': return p.tls?.sni;
      case 'ja3.hash': return p.tls ? ja3Hash(p.tls) : undefined;
      case 'ja3.string': return p.tls ? ja3String(p.tls) : undefined;
      case 'ja4.hash': return p.tls ? ja4(p.tls, 't') : undefined;
      case 'ssh.proto': return p.ssh !== undefined ? /^SSH-([^-]*)-/.exec(p.ssh)?.[1] : undefined;
      case 'ssh.software': return p.ssh !== undefined ? /^SSH-[^-]*-([^ \r\n]*)/.exec(p.ssh)?.[1] : undefined;
      default: return undefined;
    }
  }

  #http(name: BufferName): string | undefined {
    const req = this.parsed.request!;
    const hs = this.#mergedHeaders();
    switch (name) {
      case 'http.method': return req.method;
      case 'http.uri': return normalizeUri(originTarget(req.uri));
      case 'http.uri.raw': return req.uri;
      case 'http.protocol': return req.protocol === 'HTTP/0.9' ? undefined : req.protocol;
      case 'http.request_line': return req.line;
      case 'http.header': {
        let t = '';
        for (const h of hs) if (h.name.length !== 6 || h.name.toLowerCase() !== 'cookie') t += `${h.name}: ${h.value}\r\n`;
        return t === '' ? undefined : t;
      }
      case 'http.header.raw': return req.headerBlock === '' ? undefined : req.headerBlock;
      case 'http.header_names': return hs.length === 0 ? undefined : `\r\n${hs.map((h) => `${h.name}\r\n`).join('')}\r\n`;
      case 'http.start': return `${req.line}\r\n${hs.map((h) => `${h.name}: ${h.value}\r\n`).join('')}${hs.length > 0 ? '\r\n' : ''}`;
      case 'http.host': return this.#authority()?.host;
      case 'http.host.raw': return this.#authority()?.raw;
      case 'http.user_agent': return this.#value('user-agent');
      case 'http.cookie': return this.#value('cookie');
      case 'http.content_type': return this.#value('content-type');
      case 'http.content_len': return this.#value('content-length');
      case 'http.referer': return this.#value('referer');
      case 'http.accept': return this.#value('accept');
      case 'http.accept_enc': return this.#value('accept-encoding');
      case 'http.accept_lang': return this.#value('accept-language');
      case 'http.connection': return this.#value('connection');
      case 'http.request_body': return req.body === '' ? undefined : req.body;
      default: return undefined;
    }
  }
}
