// Shared by the signature tests: compile rule text with test variables, and records built from byte literals.
import { Buffer } from 'node:buffer';
import { compileSignatures, ruleVars, type CompiledSignatures, type SignatureInput } from '../../../src/classify/suricata/index.ts';

export const HOME = '203.0.113.0/24';

export function compile(text: string, opts: { ruleset?: string; file?: string } = {}): CompiledSignatures {
  return compileSignatures([{ file: opts.file ?? 'test.rules', text, ruleset: opts.ruleset ?? 'test' }], { vars: ruleVars([HOME]) });
}

/** A client record to the honeypot; payload as latin1 text or bytes. */
export function record(payload: string | Uint8Array, o: Partial<SignatureInput> = {}): SignatureInput {
  const bytes = typeof payload === 'string' ? Buffer.from(payload, 'latin1') : payload;
  const proto = o.proto ?? 'tcp';
  return {
    proto, state: proto === 'tcp' ? (bytes.length > 0 ? 'acked' : 'syn') : 'udp', ip_version: 4,
    src_ip: '198.51.100.7', src_port: 40000, dst_ip: '203.0.113.9', dst_port: 80, payload: bytes, ts_ms: 0, ...o,
  };
}

/** The sids a rule set labels a record with. */
export function sids(c: CompiledSignatures, r: SignatureInput): number[] {
  return c.signatures.match(r).map((l) => l.sid);
}

/** One rule's options in a generic tcp header; true when it labels the record. */
export function fires(options: string, payload: string | Uint8Array, o: Partial<SignatureInput> = {}, header = 'alert tcp any any -> any any'): boolean {
  const c = compile(`${header} (msg:"t"; ${options} sid:1;)`);
  if (c.stats.loaded !== 1) {
    const why = c.errors[0] ? `${c.errors[0].code}: ${c.errors[0].message}` : c.skipped[0]?.reason;
    throw new Error(`rule did not load (${why}): ${options}`);
  }
  return c.signatures.match(record(payload, o)).length === 1;
}
