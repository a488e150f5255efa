// A compiled Suricata signature: the header filter, the per-record conditions (flow, dsize, flowbits, TCP
// flags of the SYN...) and, per inspected buffer, the ordered list of payload keywords that
// inspect-buffer.ts runs the way Suricata's content inspection engine does.

import type { Severity } from '../../record/flow-record.ts';
import type { LazyRegex } from './lazy-regex.ts';
import type { AddressTest, PortTest } from './net-spec.ts';

/** A numeric keyword argument: a constant, or the index of a byte_extract variable. */
export type NumArg = { readonly v: number } | { readonly var: number };

export interface ContentStep {
  readonly kind: 'content';
  /** latin1 text of the bytes (one character per byte). */
  readonly text: string;
  /** Lower case of `text` for nocase searches ("" when case matters). */
  readonly lower: string;
  readonly nocase: boolean;
  readonly negated: boolean;
  readonly offset: NumArg | undefined;
  /** Suricata keeps depth as an end limit, offset + depth; so does this. Undefined: none. */
  readonly depth: NumArg | undefined;
  readonly distance: NumArg | undefined;
  readonly within: NumArg | undefined;
  readonly startsWith: boolean;
  readonly endsWith: boolean;
  /** A later keyword is relative to this match through within (or a negated distance): failures retry. */
  readonly withinNext: boolean;
  /** Any later keyword is relative to this match (Suricata's RELATIVE_NEXT). */
  readonly relativeNext: boolean;
  /** Set when this content is the rule's fast pattern (prefilter), and its part used there. */
  readonly fastPattern: boolean;
  readonly fastPatternChop: readonly [number, number] | undefined;
}

export interface PcreStep {
  readonly kind: 'pcre';
  readonly regex: LazyRegex;
  readonly negated: boolean;
  readonly relative: boolean;
  /** A later keyword is relative to the end of this match: failures retry from the next match. */
  readonly relativeNext: boolean;
}

export interface ByteTestStep {
  readonly kind: 'byte_test';
  readonly nbytes: number;
  readonly op: '<' | '>' | '=' | '<=' | '>=' | '&' | '^';
  readonly negated: boolean;
  readonly value: NumArg;
  readonly offset: NumArg;
  readonly relative: boolean;
  readonly little: boolean;
  /** Base of a number written as text (string,dec|hex|oct), or 0 for binary. */
  readonly base: number;
  readonly bitmask: number | undefined;
}

export interface ByteJumpStep {
  readonly kind: 'byte_jump';
  readonly nbytes: number;
  readonly offset: NumArg;
  readonly relative: boolean;
  readonly little: boolean;
  readonly base: number;
  readonly multiplier: number;
  readonly align: boolean;
  readonly fromBeginning: boolean;
  readonly fromEnd: boolean;
  readonly postOffset: number;
  readonly bitmask: number | undefined;
}

export interface ByteExtractStep {
  readonly kind: 'byte_extract';
  readonly nbytes: number;
  readonly offset: number;
  readonly slot: number;
  readonly relative: boolean;
  readonly little: boolean;
  readonly base: number;
  readonly multiplier: number;
  readonly align: number;
  readonly bitmask: number | undefined;
}

export interface IsDataAtStep {
  readonly kind: 'isdataat';
  readonly at: NumArg;
  readonly relative: boolean;
  readonly negated: boolean;
}

/** bsize / urilen: the buffer's length against a comparison. */
export interface SizeStep {
  readonly kind: 'bsize' | 'urilen';
  readonly test: UintTest;
}

export type Step = ContentStep | PcreStep | ByteTestStep | ByteJumpStep | ByteExtractStep | IsDataAtStep | SizeStep;

/** A comparison such as dsize:>100, bsize:10<>20, urilen:!5. */
export interface UintTest {
  readonly op: '=' | '!' | '<' | '>' | '<=' | '>=' | '<>';
  readonly a: number;
  readonly b: number;
}

/** The buffers a signature can inspect: the payload and the request-side protocol views. */
export type BufferName =
  | 'payload'
  | 'http.method' | 'http.uri' | 'http.uri.raw' | 'http.header' | 'http.header.raw' | 'http.header_names'
  | 'http.host' | 'http.host.raw' | 'http.user_agent' | 'http.cookie' | 'http.content_type' | 'http.content_len'
  | 'http.request_line' | 'http.request_body' | 'http.protocol' | 'http.referer' | 'http.accept'
  | 'http.accept_enc' | 'http.accept_lang' | 'http.connection' | 'http.start'
  | 'dns.query' | 'tls.sni' | 'ja3.hash' | 'ja3.string' | 'ja4.hash' | 'ssh.proto' | 'ssh.software';

/** A buffer and the transforms applied to it (only dotprefix is supported). */
export interface BufferKey {
  readonly name: BufferName;
  readonly dotprefix: boolean;
}

export const bufferKeyId = (k: BufferKey): string => (k.dotprefix ? `${k.name}|dotprefix` : k.name);

export interface BufferList {
  readonly key: BufferKey;
  readonly id: string;
  readonly steps: readonly Step[];
}

/** Application protocols a rule header or its keywords can ask for. */
export type AppProto = 'http' | 'tls' | 'dns' | 'ssh' | 'sip';

export interface FlowbitOp {
  readonly op: 'set' | 'unset' | 'toggle' | 'isset' | 'isnotset';
  /** Bit names; isset/isnotset with several names joined by | (any) or & (all). */
  readonly bits: readonly string[];
  readonly any: boolean;
}

export interface TcpFlagsTest {
  /** Flags that must be set (bit mask over FSRPAUCE), modifier and ignored bits, as in Suricata's flags. */
  readonly mask: number;
  readonly ignore: number;
  readonly mode: 'exact' | 'plus' | 'any' | 'not';
}

/** What a rule's header decides: protocol, application protocol, addresses and ports (either way for <>). */
export interface HeaderFields {
  readonly proto: 'tcp' | 'udp' | 'ip';
  readonly app: AppProto | undefined;
  readonly src: AddressTest;
  readonly srcPorts: PortTest;
  readonly dst: AddressTest;
  readonly dstPorts: PortTest;
  readonly bidirectional: boolean;
}

export interface Signature extends HeaderFields {
  readonly sid: number;
  readonly gid: number;
  readonly rev: number;
  readonly msg: string;
  readonly classtype: string | undefined;
  readonly priority: number;
  readonly severity: Severity;
  readonly ruleset: string;
  /** Where it came from, for messages. */
  readonly file: string;
  readonly line: number;
  /** Order of loading; labels come in this order. */
  readonly order: number;


  /** flow:established (acked TCP) / not_established. */
  readonly established: boolean | undefined;
  readonly dsize: UintTest | undefined;
  readonly flags: TcpFlagsTest | undefined;
  readonly window: UintTest | undefined;
  readonly ttl: UintTest | undefined;
  readonly ipId: UintTest | undefined;
  /** tls.version / ssl_version: acceptable ClientHello versions. */
  readonly tlsVersions: readonly number[] | undefined;
  readonly lists: readonly BufferList[];
  readonly flowbits: readonly FlowbitOp[];
  readonly noalert: boolean;
  /** byte_extract variables used by the rule. */
  readonly slots: number;
}
