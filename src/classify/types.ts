// The classifier's contract: a finished flow in, labels and protocol facts out. Pure and synchronous; the
// per-source detectors keep bounded state inside the Classifier instance.

import type { GreetProtocol } from '../record/dialogue.ts';
import type { ClientMessage } from '../record/finished-flow.ts';
import type { FlowState, ProtocolFacts, RecordLabel, SynFingerprint } from '../record/flow-record.ts';

/** A greeted flow's dialogue, as the classifier needs it to replay the client's side (dialogue/replay.ts). */
export interface ClassifyDialogue {
  readonly protocol: GreetProtocol;
  /** Bytes of the payload the dialogue read. */
  readonly clientLen: number;
  /** The bytes we sent. */
  readonly server: Uint8Array;
}

export interface ClassifyInput {
  readonly proto: 'tcp' | 'udp';
  readonly state: FlowState;
  readonly ip_version: 4 | 6;
  readonly src_ip: string;
  readonly src_port: number;
  readonly dst_ip: string;
  readonly dst_port: number;
  /** The captured client bytes (never modified by the classifier). */
  readonly payload: Uint8Array;
  /** First packet time, ms since the epoch (drives the per-source detectors' windows). */
  readonly ts_ms: number;
  readonly syn?: SynFingerprint;
  /** Payload bytes of the first data segment or datagram (community rules' `dsize`); default: the payload length. */
  readonly dsize?: number;
  readonly dialogue?: ClassifyDialogue;
  /**
   * Where the client's later messages start (it spoke again after the server did; `synbait label` knows, the
   * sensor's records hold one message). Community rules inspect each message as its own buffer, as Suricata
   * inspects raw stream data chunk by chunk and HTTP request by request.
   */
  readonly messages?: readonly ClientMessage[];
}

export interface ClassifyResult {
  readonly labels: readonly RecordLabel[];
  readonly facts: ProtocolFacts;
}

export interface Classifier {
  classify(input: ClassifyInput): ClassifyResult;
  /** Number of rules loaded (for the start-up log line). */
  readonly ruleCount: number;
}
