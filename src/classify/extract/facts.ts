// Picks the extractor(s) that apply to a payload and turns their results into record facts. Each extractor is a
// pure, bounds-checked parser; this function never throws (fuzzed in test/unit/classify/extract-fuzz.test.ts).

import { replayDialogue } from '../../dialogue/replay.ts';
import type { ProtocolFacts } from '../../record/flow-record.ts';
import type { ClassifyDialogue } from '../types.ts';
import { printable } from './bytes.ts';
import { parseDnsQuery, type DnsQuery } from './dns.ts';
import { parseNtp, type NtpPacket } from './ntp.ts';
import { parseRdpConnectionRequest, type RdpRequest } from './rdp.ts';
import { parseNjrat, type NjratMessage } from './njrat.ts';
import { headerValue, parseTextRequest, type TextRequest } from './request-line.ts';
import { parseRpcCall, type RpcCall } from './rpc.ts';
import { parseSmbNegotiate, type SmbNegotiate } from './smb.ts';
import { parseSshBanner } from './ssh.ts';
import { parseClientKexinit, softwareVersion, type SshKexinit } from './ssh-kexinit.ts';
import { helloVersion, ja4, looksLikeTls, parseClientHello, tlsVersionName, type ClientHello } from './tls.ts';

/** Everything the extractors found, for rule fields; `facts` is the part that goes into the record. */
export interface Parsed {
  readonly facts: ProtocolFacts;
  readonly request: TextRequest | null;
  readonly tls: ClientHello | null;
  readonly ssh: string | undefined;
  readonly smb: SmbNegotiate | null;
  readonly rdp: RdpRequest | null;
  readonly dns: DnsQuery | null;
  readonly ntp: NtpPacket | null;
  readonly rpc: RpcCall | null;
  /** njRAT framing (rule fields only: not a record fact). */
  readonly njrat: NjratMessage | null;
  readonly kexinit: SshKexinit | null;
  /** A greeted flow's protocol and what its dialogue gathered (the record's facts[protocol]). */
  readonly dialogue: { readonly protocol: string; readonly facts: Readonly<Record<string, unknown>> } | null;
}

export interface ExtractInput {
  readonly proto: 'tcp' | 'udp';
  readonly dst_port: number;
  /** The whole captured payload, when known: tells whether the inspected bytes were cut, and a dialogue replays
   *  all it read, not only the inspected bytes. */
  readonly payload?: Uint8Array;
  readonly dialogue?: ClassifyDialogue;
}

const DNS_PORTS = new Set([53, 5353, 5355]);

/** bytes: the inspected payload; text: the same bytes decoded as latin1 (decoded once by the caller). */
export function extractFacts(input: ExtractInput, bytes: Uint8Array, text: string): Parsed {
  const tcp = input.proto === 'tcp';
  let request: TextRequest | null = null;
  let tls: ClientHello | null = null;
  let ssh: string | undefined;
  let smb: SmbNegotiate | null = null;
  let rdp: RdpRequest | null = null;
  let dns: DnsQuery | null = null;
  let ntp: NtpPacket | null = null;
  let rpc: RpcCall | null = null;
  let njrat: NjratMessage | null = null;
  let kexinit: SshKexinit | null = null;
  const facts: Record<string, unknown> = {};
  const dialogue = dialogueFacts(input, facts);
  if (bytes.length === 0) return { facts, request, tls, ssh, smb, rdp, dns, ntp, rpc, njrat, kexinit, dialogue };

  if (tcp && looksLikeTls(bytes)) {
    facts.app = 'tls';
    tls = parseClientHello(bytes);
    if (tls) {
      facts.tls = {
        ...(tls.sni !== undefined && { sni: tls.sni }),
        ...(tls.alpn.length > 0 && { alpn: tls.alpn.map((a) => printable(a, 64)) }),
        version: tlsVersionName(helloVersion(tls)),
        ja4: ja4(tls, 't'),
      };
    }
  } else if ((ssh = parseSshBanner(text)) !== undefined) {
    facts.app = 'ssh';
    kexinit = parseClientKexinit(bytes);
    facts.ssh = { ...sshFacts(ssh, kexinit), ...(facts.ssh as object | undefined) };
  } else if ((request = parseTextRequest(text)) !== null) {
    const ua = headerValue(request, 'user-agent');
    const proto = request.protocol;
    if (proto.startsWith('SIP/')) {
      facts.app = 'sip';
      facts.sip = { method: printable(request.method, 32), ...(ua !== undefined && { user_agent: printable(ua) }) };
    } else if (proto.startsWith('RTSP/')) {
      facts.app = 'rtsp';
      facts.rtsp = {
        method: printable(request.method, 32), path: printable(request.uri, 1024),
        ...(ua !== undefined && { user_agent: printable(ua) }),
      };
    } else {
      const host = headerValue(request, 'host');
      facts.app = 'http';
      facts.http = {
        method: printable(request.method, 32), path: printable(request.uri, 1024),
        ...(host !== undefined && { host: printable(host) }), ...(ua !== undefined && { user_agent: printable(ua) }),
      };
    }
  } else if ((smb = parseSmbNegotiate(bytes)) !== null) {
    facts.app = 'smb';
    facts.smb = { dialects: smb.dialects, version: smb.version };
  } else if (tcp && (rdp = parseRdpConnectionRequest(bytes)) !== null) {
    facts.app = 'rdp';
    facts.rdp = {
      ...(rdp.cookie !== undefined && { cookie: rdp.cookie }),
      ...(rdp.requestedProtocols !== undefined && { requested_protocols: rdp.requestedProtocols }),
    };
  } else if (DNS_PORTS.has(input.dst_port) && (dns = parseDnsQuery(bytes, tcp)) !== null) {
    facts.app = 'dns';
    facts.dns = { qname: printable(dns.qname), qtype: dns.qtype, ...(dns.ednsUdpSize !== undefined && { edns_udp_size: dns.ednsUdpSize }) };
  } else if (!tcp && input.dst_port === 123 && (ntp = parseNtp(bytes)) !== null) {
    facts.app = 'ntp';
    facts.ntp = { mode: ntp.mode, version: ntp.version, ...(ntp.opcode !== undefined && { opcode: ntp.opcode }) };
  } else if (tcp && (njrat = parseNjrat(text, (input.payload?.length ?? bytes.length) > bytes.length)) !== null) {
    // no record fact: njRAT framing is only a rule field
  } else if ((rpc = parseRpcCall(bytes, tcp)) !== null) {
    facts.app = 'rpc';
    facts.rpc = { program: rpc.program, version: rpc.version, procedure: rpc.procedure, fragments: rpc.fragments };
  }
  if (dialogue) facts.app = dialogue.protocol;
  return { facts, request, tls, ssh, smb, rdp, dns, ntp, rpc, njrat, kexinit, dialogue };
}

function sshFacts(banner: string, k: SshKexinit | null): Record<string, unknown> {
  const version = softwareVersion(banner);
  return {
    banner,
    ...(version !== undefined ? { client_version: version } : {}),
    ...(k ? {
      hassh: k.hassh, hassh_algorithms: k.hasshAlgorithms, kex_algorithms: k.kex, host_key_algorithms: k.hostKey,
      encryption_algorithms: k.encC2s, mac_algorithms: k.macC2s, compression_algorithms: k.compC2s,
    } : {}),
  };
}

/** A greeted flow: its dialogue replayed over what it read, the result in facts[protocol]. */
function dialogueFacts(input: ExtractInput, facts: Record<string, unknown>): Parsed['dialogue'] {
  const d = input.dialogue;
  if (!d) return null;
  const client = (input.payload ?? new Uint8Array(0)).subarray(0, d.clientLen);
  const got = replayDialogue(d.protocol, client, d.server);
  if (Object.keys(got).length > 0) facts[d.protocol] = got;
  return { protocol: d.protocol, facts: got };
}
