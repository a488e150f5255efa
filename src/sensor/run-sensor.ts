// `synbait` (the run command): assembles the sensor from its parts, one short function per concern, and runs it
// until a signal stops it. A packet's data never passes through here: capture.ts hands frames to the responder,
// the responder emits finished flows into the work loop, the pipeline writes records to the sinks.

import pkg from '../../package.json' with { type: 'json' };
import type { Classifier } from '../classify/types.ts';
import { loadGreetingTexts } from '../config/greeting-file.ts';
import type { GreetingTexts } from '../dialogue/texts.ts';
import { redactSettings, type Settings } from '../config/settings.ts';
import { exitCodeOf } from '../errors.ts';
import { describeExclusions } from '../scope/exclusions.ts';
import { DropReporter } from '../metrics/drop-report.ts';
import { StatsLine } from '../metrics/stats.ts';
import { startArp } from './arp.ts';
import { loadRules } from './rules.ts';
import { DROP_REPORT_MS, TICK_MS } from './budget.ts';
import { openCapture, type SensorCapture } from './capture.ts';
import { buildCore, type SensorCore } from './core.ts';
import { inspectHost, type HostView } from './host.ts';
import { observe } from './observe.ts';
import { openSensorOutput, type SensorOutput } from './output.ts';
import { untilStopped, type RunningSensor } from './shutdown.ts';
import { assembleSinks } from './sinks.ts';
import { portRangeText } from '../wire/port-range.ts';

export async function runSensor(settings: Settings): Promise<number> {
  const output = openSensorOutput(settings);
  const { log } = output;
  log.info({ event: 'SensorStarting', version: pkg.version, node: process.version, settings: redactSettings(settings) }, 'starting');
  let host: HostView;
  let classifier: Classifier;
  let outputs;
  let greetTexts: GreetingTexts;
  try {
    host = inspectHost(settings);
    classifier = await loadRules(settings, host, log);
    greetTexts = await loadGreetingTexts(settings.greetFile);
    outputs = await assembleSinks(settings, output);
  } catch (err) {
    return output.fatal(err, exitCodeOf(err));
  }
  const core = buildCore(settings, host, classifier, outputs.sinks, log.child({ component: 'pipeline' }), greetTexts);
  const arp = startArp(settings, host, core.device, log.child({ component: 'arp' }));
  let capture: SensorCapture;
  try {
    capture = openCapture(settings, host, core.responder, arp, log);
  } catch (err) {
    return output.fatal(err, exitCodeOf(err));
  }
  core.attach(capture.pcap);
  let observed;
  try {
    observed = await observe(settings, { core, capture, outputs, arp, output }, log);
  } catch (err) {
    capture.pcap.close();
    return output.fatal(err, exitCodeOf(err));
  }
  logStarted(settings, output, host, capture, classifier, observed.observers.metricsAddress);
  outputs.uploadJob?.start();
  const stats = new StatsLine({ responder: core.responder, pipeline: core.pipeline, internalErrors: capture.internalErrors, capture: capture.pcap, arp, archive: outputs.archive });
  const drops = dropReporter(core, output, capture);
  const timers = [
    setInterval(() => {
      observed.liveness.beat(Date.now());
      arp?.tick(Date.now());
      core.work.schedule();
    }, TICK_MS),
    setInterval(() => drops.report(), DROP_REPORT_MS),
    ...(settings.statsIntervalMs > 0 ? [setInterval(() => log.info({ event: 'Stats', ...stats.fields() }, 'stats'), settings.statsIntervalMs)] : []),
  ];
  const running: RunningSensor = { output, core, capture, outputs, observed, stats, drops, timers };
  return untilStopped(running);
}

/** Every DROP_REPORT_MS: also the reading of the capture's 32-bit counters that keeps their totals wrap-safe. */
function dropReporter(core: SensorCore, output: SensorOutput, capture: SensorCapture): DropReporter {
  return new DropReporter([
    // frames (SYNs among them) the kernel dropped before the responder saw them
    { reason: 'capture_ring_full', total: () => capture.pcap.stats().kernelDropped },
    { reason: 'pending_syn_table_full', total: () => core.responder.counters.pendingSynTableFull },
    { reason: 'record_backlog_full', total: () => core.pipeline.droppedBacklog },
    { reason: 'stdout_blocked', total: () => output.out.dropped },
  ], output.log);
}

function logStarted(
  settings: Settings, { log }: SensorOutput, host: HostView, capture: SensorCapture, classifier: Classifier,
  metricsAddress: { readonly host: string; readonly port: number } | undefined,
): void {
  const { networks, exclusions } = host.scope;
  log.info({
    event: 'SensorStarted',
    device: settings.device,
    mtu: host.dev.mtu,
    snaplen: capture.snaplen,
    networks: networks.map((n) => n.text),
    excluded_ports: exclusions.ports.map(portRangeText),
    exclusions: describeExclusions(exclusions),
    ...(metricsAddress ? { metrics_listen: `${metricsAddress.host}:${metricsAddress.port}` } : {}),
    rules: classifier.ruleCount,
    filter: capture.filter,
  }, `answering SYNs on ${settings.device} for ${networks.map((n) => n.text).join(', ')}`);
}
