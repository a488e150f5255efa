// Composition root: settings -> logger -> rules -> adapters + core -> start. Owns signals and shutdown order.
// Nothing imports this module; src/bin.mjs (the `synbait` command) and `tsx src/main.ts` run it.

import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import pino from 'pino';
import pkg from '../package.json' with { type: 'json' };
import { buildCaptureFilter } from './capture/bpf-filter.ts';
import { readDeviceInfo } from './capture/device-info.ts';
import { PcapDevice } from './capture/pcap-device.ts';
import { createClassifier } from './classify/index.ts';
import { parseCommandLine, renderHelp } from './cli.ts';
import { loadRuleFiles } from './config/rule-files.ts';
import { redactSettings, type Settings } from './config/settings.ts';
import { CaptureError, ConfigError, isSynbaitError, RulesError } from './errors.ts';
import type { Device } from './flow/device.ts';
import { Responder } from './flow/responder.ts';
import { compileTargets } from './flow/targets.ts';
import { createFlowIdGenerator } from './record/flow-id.ts';
import { RecordPipeline } from './sinks/record-pipeline.ts';
import type { Sink } from './sinks/sink.ts';
import { ConsoleSink, JsonLinesSink } from './sinks/stdout-sinks.ts';
import { openFdOutput } from './sinks/stdout-output.ts';

/** The sensor stops within this budget after SIGTERM/SIGINT (compose's stop_grace_period is longer). */
export const SHUTDOWN_BUDGET_MS = 4500;
const TICK_MS = 250;
const DROP_REPORT_MS = 10_000;

async function main(argv: readonly string[]): Promise<number | undefined> {
  let cmd;
  try {
    cmd = parseCommandLine(argv, process.env, { hostname: hostname() });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`synbait: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  switch (cmd.kind) {
    case 'help':
      process.stdout.write(renderHelp(pkg.version));
      return 0;
    case 'version':
      process.stdout.write(`synbait ${pkg.version}\n`);
      return 0;
    case 'subcommand': {
      const { runReport } = await import('./report/cli.ts');
      return runReport(cmd.args, { stdout: process.stdout, stderr: process.stderr, env: process.env });
    }
    case 'run':
      return runSensor(cmd.settings);
  }
}

async function runSensor(settings: Settings): Promise<number | undefined> {
  const out = openFdOutput(1);
  const logOut = settings.format === 'json' ? out : openFdOutput(2);
  const log = pino(
    {
      level: settings.logLevel,
      base: { sensor: settings.sensorId },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    logOut.stream,
  );
  const fatal = async (err: unknown, code: number): Promise<number> => {
    const msg = err instanceof Error ? err.message : String(err);
    log.fatal({ event: 'SensorFailed', code: isSynbaitError(err) ? err.code : undefined, err }, msg);
    await logOut.flush();
    if (settings.format === 'json' || !process.stderr.isTTY) process.stderr.write(`synbait: ${msg}\n`);
    return code;
  };

  log.info({ event: 'SensorStarting', version: pkg.version, node: process.version, settings: redactSettings(settings) }, 'starting');

  let dev;
  try {
    dev = readDeviceInfo(settings.device);
  } catch (err) {
    return fatal(err, err instanceof CaptureError && err.code === 'SYNBAIT_ERR_NO_DEVICE' ? 2 : 1);
  }
  const networks = settings.networks.length > 0 ? settings.networks : dev.addresses;
  if (networks.length === 0) {
    return fatal(new ConfigError(`device ${settings.device} has no IP addresses; name the addresses to answer for with -n CIDR`, '--network'), 2);
  }
  const targets = compileTargets(networks, settings.excludePorts);

  let classifier;
  try {
    classifier = createClassifier(await loadRuleFiles(settings.rulePaths));
  } catch (err) {
    return fatal(err, err instanceof RulesError || err instanceof ConfigError ? 2 : 1);
  }

  const sinks: Sink[] = [settings.format === 'json' ? new JsonLinesSink(out) : new ConsoleSink(out)];
  const pipeline = new RecordPipeline({
    sensor: settings.sensorId,
    classifier,
    sinks,
    nextFlowId: createFlowIdGenerator(randomBytes(5)),
    log: log.child({ component: 'pipeline' }),
  });

  let pcap: PcapDevice | undefined;
  const device: Device = { send: (frame, len) => (pcap ? pcap.send(frame, len) : false) };
  let drainScheduled = false;
  const runDrain = () => {
    drainScheduled = false;
    if (pipeline.drain(256) > 0) scheduleDrain();
  };
  const scheduleDrain = () => {
    if (!drainScheduled) {
      drainScheduled = true;
      setImmediate(runDrain);
    }
  };
  const responder = new Responder({
    targets,
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
    mtu: dev.mtu,
    keepFrames: settings.pcap,
    device,
    emit: (f) => {
      pipeline.enqueue(f);
      scheduleDrain();
    },
    nowMs: Date.now(),
  });

  let internalErrors = 0;
  const filter = buildCaptureFilter({ networks, excludedPorts: settings.excludePorts, outboundUdp: true });
  try {
    pcap = new PcapDevice({
      device: settings.device,
      filter,
      bufferSize: settings.pcapBufferSize,
      onFrame: (buf, len, truncated) => {
        try {
          responder.onFrame(buf, len, Date.now(), truncated);
        } catch (err) {
          // a bug must not take the sensor down on one hostile frame; count it and go on
          if (++internalErrors <= 10) log.error({ event: 'InternalError', err }, 'frame handling failed');
        }
      },
    });
  } catch (err) {
    return fatal(err, err instanceof CaptureError && err.code === 'SYNBAIT_ERR_NO_DEVICE' ? 2 : 1);
  }
  log.info({
    event: 'SensorStarted',
    device: settings.device,
    mtu: dev.mtu,
    networks: networks.map((n) => n.text),
    excluded_ports: settings.excludePorts.map((r) => (r.from === r.to ? `${r.from}` : `${r.from}-${r.to}`)),
    rules: classifier.ruleCount,
    filter,
  }, `answering SYNs on ${settings.device} for ${networks.map((n) => n.text).join(', ')}`);

  const ticker = setInterval(() => {
    responder.tick(Date.now());
    scheduleDrain();
  }, TICK_MS);

  const summary = () => ({
    frames: responder.counters.framesReceived,
    syns: responder.counters.synsReceived,
    syn_acks: responder.counters.synAcksSent,
    flows_recorded: pipeline.recorded,
    decode_failures: responder.counters.decodeFailureTotal(),
    rate_limited: responder.counters.rateLimitedDest + responder.counters.rateLimitedGlobal,
    pending_syns: responder.pendingSyns,
    open_flows: responder.openFlows,
    buffered_bytes: responder.bufferedBytes,
    send_errors: responder.counters.sendErrors,
    internal_errors: internalErrors,
  });
  const stats = settings.statsIntervalMs > 0
    ? setInterval(() => log.info({ event: 'Stats', ...summary() }, 'stats'), settings.statsIntervalMs)
    : undefined;

  // every drop is reported with a count (never silent)
  const dropSeen = { pending: 0, backlog: 0, stdout: 0 };
  const reportDrops = () => {
    const now = {
      pending: responder.counters.pendingSynTableFull,
      backlog: pipeline.droppedBacklog,
      stdout: out.dropped,
    };
    const reasons = { pending: 'pending_syn_table_full', backlog: 'record_backlog_full', stdout: 'stdout_blocked' } as const;
    for (const k of Object.keys(now) as (keyof typeof now)[]) {
      const delta = now[k] - dropSeen[k];
      if (delta > 0) log.warn({ event: 'RecordsDropped', reason: reasons[k], count: delta, total: now[k] }, 'records dropped');
      dropSeen[k] = now[k];
    }
  };
  const dropTimer = setInterval(reportDrops, DROP_REPORT_MS);

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      const hardStop = setTimeout(() => {
        log.error({ event: 'ShutdownTimeout', budget_ms: SHUTDOWN_BUDGET_MS }, 'shutdown budget exceeded');
        out.flushSync();
        process.exit(1);
      }, SHUTDOWN_BUDGET_MS);
      log.info({ event: 'SensorStopping', signal }, 'stopping');
      pcap?.close();
      clearInterval(ticker);
      clearInterval(dropTimer);
      if (stats) clearInterval(stats);
      responder.finishAll('shutdown');
      await pipeline.close();
      reportDrops();
      log.info({ event: 'SensorStopped', ...summary() }, 'stopped');
      await out.flush();
      if (logOut !== out) await logOut.flush();
      clearTimeout(hardStop);
      resolve(0);
    };
    process.on('SIGTERM', () => void stop('SIGTERM'));
    process.on('SIGINT', () => void stop('SIGINT'));
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== undefined) process.exit(code);
  },
  (err: unknown) => {
    process.stderr.write(`synbait: internal error: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
