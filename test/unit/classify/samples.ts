// Loads the sample fixtures (test/fixtures/samples/*/index.json) as ClassifyInput values for the tests and the
// benchmark. SYN samples are raw IPv4+TCP headers captured with tcpdump; their fingerprint is derived here the
// way the capture core reports it (ttl, window, ip_id, options "mss:1460,sok,ts,nop,ws:7").
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { SynFingerprint } from '../../../src/record/flow-record.ts';
import type { ClassifyInput } from '../../../src/classify/index.ts';
import type { GreetProtocol } from '../../../src/record/dialogue.ts';

export const SAMPLES_DIR = fileURLToPath(new URL('../../fixtures/samples/', import.meta.url));

export interface Sample {
  readonly file: string;
  readonly proto?: 'tcp' | 'udp';
  readonly dst_port?: number;
  readonly expect: readonly string[];
  readonly benign?: boolean;
  /** Benign samples: identification tags (severity info) that may fire, e.g. the curl client tag. */
  readonly allowed?: readonly string[];
  readonly source: string;
  /** The client side of a greeted session (greeted/): classified as the dialogue of this protocol. */
  readonly greet?: GreetProtocol;
}

export function loadIndex(name: 'captured' | 'constructed' | 'syn' | 'greeted'): Sample[] {
  return JSON.parse(readFileSync(`${SAMPLES_DIR}${name}/index.json`, 'utf8')) as Sample[];
}

export function sampleBytes(s: Sample): Buffer {
  return readFileSync(`${SAMPLES_DIR}${s.file}`);
}

let seq = 0;
/** A payload sample as the record pipeline would hand it over (acked TCP or UDP). */
export function payloadInput(s: Sample, overrides: Partial<ClassifyInput> = {}): ClassifyInput {
  const proto = s.proto ?? 'tcp';
  seq++;
  return {
    proto, state: proto === 'tcp' ? 'acked' : 'udp', ip_version: 4, src_ip: `198.51.100.${seq % 250}`, src_port: 40000 + (seq % 20000),
    dst_ip: '203.0.113.7', dst_port: s.dst_port ?? 80, payload: sampleBytes(s), ts_ms: 1_700_000_000_000 + seq * 1000,
    ...(s.greet ? { dialogue: { protocol: s.greet, clientLen: sampleBytes(s).length, server: new Uint8Array(0) } } : {}),
    ...overrides,
  };
}

const OPT: Record<number, string> = { 0: 'eol', 1: 'nop', 4: 'sok', 5: 'sack', 8: 'ts' };

/** SynFingerprint from an IPv4+TCP SYN header. */
export function synFingerprint(ip: Uint8Array): SynFingerprint {
  const ihl = (ip[0]! & 0x0f) * 4;
  const tcp = ip.subarray(ihl);
  const doff = (tcp[12]! >> 4) * 4;
  const opts: string[] = [];
  for (let i = 20; i < doff && i < tcp.length; ) {
    const kind = tcp[i]!;
    if (kind === 0 || kind === 1) {
      opts.push(OPT[kind]!);
      i++;
      if (kind === 0) break;
      continue;
    }
    const len = tcp[i + 1] ?? 0;
    if (len < 2) break;
    if (kind === 2) opts.push(`mss:${(tcp[i + 2]! << 8) | tcp[i + 3]!}`);
    else if (kind === 3) opts.push(`ws:${tcp[i + 2]!}`);
    else opts.push(OPT[kind] ?? `opt${kind}`);
    i += len;
  }
  return { ttl: ip[8]!, window: (tcp[14]! << 8) | tcp[15]!, ip_id: (ip[4]! << 8) | ip[5]!, options: opts.join(','), syn_count: 1 };
}

/** A SYN-only record built from a captured SYN header. */
export function synInput(s: Sample): ClassifyInput {
  const ip = sampleBytes(s);
  const ihl = (ip[0]! & 0x0f) * 4;
  seq++;
  return {
    proto: 'tcp', state: 'syn', ip_version: 4, src_ip: `${ip[12]}.${ip[13]}.${ip[14]}.${ip[15]}`, src_port: (ip[ihl]! << 8) | ip[ihl + 1]!,
    dst_ip: `${ip[16]}.${ip[17]}.${ip[18]}.${ip[19]}`, dst_port: (ip[ihl + 2]! << 8) | ip[ihl + 3]!, payload: new Uint8Array(0),
    ts_ms: 1_700_000_000_000 + seq * 1000, syn: synFingerprint(ip),
  };
}
