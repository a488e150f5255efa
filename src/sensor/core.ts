// The sans-IO core of a run: the record pipeline, the work loop that drives it between capture callbacks, and the
// responder. Frames reach the responder from capture.ts and leave through `device`, which forwards to the
// capture handle once it is open.

import { randomBytes } from 'node:crypto';
import type { Classifier } from '../classify/types.ts';
import type { Settings } from '../config/settings.ts';
import type { GreetingTexts } from '../dialogue/texts.ts';
import type { Device } from '../flow/device.ts';
import { GreetPorts } from '../flow/greet-ports.ts';
import { Responder } from '../flow/responder.ts';
import type { Logger } from '../logger.ts';
import { RecordPipeline } from '../pipeline/record-pipeline.ts';
import type { Sink } from '../pipeline/sink.ts';
import { WorkLoop } from '../pipeline/work-loop.ts';
import { createFlowIdGenerator } from '../record/flow-id.ts';
import { WORK_SLICE_MS } from './budget.ts';
import type { HostView } from './host.ts';

export interface SensorCore {
  readonly pipeline: RecordPipeline;
  readonly work: WorkLoop;
  readonly responder: Responder;
  /** Sends through the capture handle set with `attach` (false until then). */
  readonly device: Device;
  attach(device: Device): void;
}

export function buildCore(settings: Settings, host: HostView, classifier: Classifier, sinks: readonly Sink[], log: Logger, greetTexts: GreetingTexts): SensorCore {
  const pipeline = new RecordPipeline({
    sensor: settings.sensorId,
    classifier,
    sinks,
    nextFlowId: createFlowIdGenerator(randomBytes(5)),
    log,
  });
  const work = new WorkLoop({ pipeline, sliceMs: WORK_SLICE_MS });
  let target: Device | undefined;
  const device: Device = { send: (frame, len) => (target ? target.send(frame, len) : false) };
  const responder = new Responder({
    targets: host.targets,
    secret: randomBytes(32),
    flowTimeoutMs: settings.flowTimeoutMs,
    maxPayload: settings.maxPayload,
    maxPendingSyns: settings.maxPendingSyns,
    maxFlows: settings.maxFlows,
    maxBufferedBytes: settings.maxBufferedBytes,
    synRatePerDest: settings.synRatePerDest,
    synBurstPerDest: settings.synBurstPerDest,
    synRateGlobal: settings.synRateGlobal,
    synBurstGlobal: settings.synBurstGlobal,
    mtu: host.dev.mtu,
    keepFrames: settings.pcap,
    device,
    emit: work.enqueue,
    nowMs: Date.now(),
    greet: { ports: new GreetPorts(settings.greet), texts: greetTexts, maxAttempts: settings.greetMaxAttempts, seedKey: randomBytes(8) },
  });
  work.expireWith((now, budget) => responder.tick(now, budget));
  return { pipeline, work, responder, device, attach: (d) => { target = d; } };
}
