// Composition root: settings -> logger -> rules -> adapters + core -> start. Owns signals and shutdown order.
// Nothing imports this module; src/bin.mjs (the `synbait` command) and `tsx src/main.ts` run it.

import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import pino from 'pino';
import pkg from '../package.json' with { type: 'json' };
import { buildCaptureFilter } from './capture/bpf-filter.ts';
import { readDeviceInfo } from './capture/device-info.ts';
import { readLinkInfo } from './capture/link-info.ts';
import { PcapDevice } from './capture/pcap-device.ts';
import { createClassifier } from './classify/index.ts';
import { parseCommandLine, renderHelp } from './cli.ts';
import { loadRuleFiles } from './config/rule-files.ts';
import { redactSettings, type Settings } from './config/settings.ts';
import { CaptureError, ConfigError, isSynbaitError, RulesError } from './errors.ts';
import { ArpClaimer } from './flow/arp-claimer.ts';
import type { Device } from './flow/device.ts';
import { Responder } from './flow/responder.ts';
import { compileTargets } from './flow/targets.ts';
import { describeExclusions } from './firewall/exclusions.ts';
import { readHostListeners } from './firewall/host-listeners.ts';
import { resolveScope } from './firewall/plan.ts';
import { UploadJob } from './jobs/upload-job.ts';
import { Liveness } from './metrics/liveness.ts';
import { MetricRegistry } from './metrics/metric-source.ts';
import { devicePresent, startObservers, type Observers } from './metrics/observers.ts';
import { sensorMetrics } from './metrics/sensor-metrics.ts';
import { createFlowIdGenerator } from './record/flow-id.ts';
import { AlertSink } from './sinks/alerts/alert-sink.ts';
import { ArchiveSink } from './sinks/archive/archive-sink.ts';
import { RecordPipeline } from './sinks/record-pipeline.ts';
import type { Sink } from './sinks/sink.ts';
import { ConsoleSink, JsonLinesSink } from './sinks/stdout-sinks.ts';
import { openFdOutput } from './sinks/stdout-output.ts';
import { parseCidr } from './wire/address.ts';
import { formatMac } from './wire/ethernet.ts';

/** The sensor stops within this budget after SIGTERM/SIGINT (compose's stop_grace_period is longer). */
export const SHUTDOWN_BUDGET_MS = 4500;
const TICK_MS = 100;
const WORK_SLICE_MS = 0.25;
const DROP_REPORT_MS = 10_000;
/** /healthz and the heartbeat file turn unhealthy when the tick has not run for this long. */
const LIVENESS_STALE_MS = 3000;

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
      if (cmd.name === 'firewall') return (await load<typeof import('./firewall/cli.ts')>('./firewall/cli.ts')).runFirewall(cmd.args, { stdout: process.stdout, stderr: process.stderr, env: process.env, hostname: hostname(), version: pkg.version });
      if (cmd.name === 'firewall-rules') {
        const { runFirewallRules } = await load<typeof import('./firewall/cli.ts')>('./firewall/cli.ts');
        return runFirewallRules(cmd.args, { stdout: process.stdout, stderr: process.stderr, env: process.env, hostname: hostname(), version: pkg.version });
      }
      const { runReport } = await load<typeof import('./report/cli.ts')>('./report/cli.ts');
      return runReport(cmd.args, { stdout: process.stdout, stderr: process.stderr, env: process.env });
    }
    case 'run':
      return runSensor(cmd.settings);
  }
}

/**
 * Loads a module on demand (subcommands, so the sensor does not carry their code). Under tsx's CommonJS hooks
 * (src/bin.mjs on Node 20) `require` compiles TypeScript and `import()` would not; under its ESM hooks `require`
 * does not exist.
 */
function load<T>(specifier: string): Promise<T> {
  return typeof require === 'function' ? Promise.resolve(require(specifier) as T) : (import(specifier) as Promise<T>);
}

const memory = () => {
  const m = process.memoryUsage();
  return { rss_bytes: m.rss, heap_used_bytes: m.heapUsed, array_buffers_bytes: m.arrayBuffers };
};

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
  // the scope `synbait firewall-rules` gives the container firewall too: -n (or the device's addresses), minus -e,
  // the SSH ports and every port a service on this host listens on
  let scope;
  try {
    scope = resolveScope(settings, dev.addresses, readHostListeners());
  } catch (err) {
    return fatal(err, 2);
  }
  const { networks } = scope;
  const excludedPorts = scope.exclusions.ports;
  const targets = compileTargets(networks, excludedPorts);

  let classifier;
  try {
    classifier = createClassifier(await loadRuleFiles(settings.rulePaths));
  } catch (err) {
    return fatal(err, err instanceof RulesError || err instanceof ConfigError ? 2 : 1);
  }

  const sinks: Sink[] = [settings.format === 'json' ? new JsonLinesSink(out) : new ConsoleSink(out)];
  // the spool (--archive-dir) and its upload schedule (--s3-bucket); a bad directory or schedule stops the start,
  // an unreachable bucket does not (the start-up check logs it, the spool keeps everything)
  let archive: ArchiveSink | undefined;
  let uploadJob: UploadJob | undefined;
  if (settings.archiveDir !== undefined) {
    try {
      archive = await ArchiveSink.open({
        dir: settings.archiveDir,
        sensor: settings.sensorId,
        rotateIntervalMs: settings.rotateIntervalMs,
        rotateSize: settings.rotateSize,
        pcap: settings.pcap,
        spoolMaxBytes: settings.spoolMaxBytes,
        log: log.child({ component: 'archive' }),
      });
      if (settings.s3Bucket !== undefined) {
        // the AWS SDK is loaded only when there is a bucket: it costs more memory than the rest of the sensor
        const { S3Uploader } = await load<typeof import('./sinks/archive/s3-uploader.ts')>('./sinks/archive/s3-uploader.ts');
        uploadJob = new UploadJob({
          schedule: settings.uploadSchedule,
          log: log.child({ component: 'upload' }),
          uploader: new S3Uploader({
            bucket: settings.s3Bucket,
            prefix: settings.s3Prefix,
            region: settings.s3Region,
            endpoint: settings.s3Endpoint,
            forcePathStyle: settings.s3ForcePathStyle,
            spool: archive.spool,
            log: log.child({ component: 'upload' }),
          }),
        });
      }
    } catch (err) {
      return fatal(err, 2);
    }
    sinks.push(archive);
  }
  // alerts (--slack-webhook-url, --webhook-url): novelty-gated, rate-limited, never blocking capture (docs/alerts.md)
  let alerts: AlertSink | undefined;
  if (settings.slackWebhookUrl !== undefined || settings.webhookUrl !== undefined) {
    alerts = new AlertSink({
      sensor: settings.sensorId,
      slackWebhookUrl: settings.slackWebhookUrl,
      webhookUrl: settings.webhookUrl,
      windowMs: settings.alertWindowMs,
      digestIntervalMs: settings.alertDigestIntervalMs,
      maxPerMinute: settings.alertMaxPerMinute,
      log: log.child({ component: 'alerts' }),
    });
    sinks.push(alerts);
  }
  const pipeline = new RecordPipeline({
    sensor: settings.sensorId,
    classifier,
    sinks,
    nextFlowId: createFlowIdGenerator(randomBytes(5)),
    log: log.child({ component: 'pipeline' }),
  });

  let pcap: PcapDevice | undefined;
  const device: Device = { send: (frame, len) => (pcap ? pcap.send(frame, len) : false) };
  // Background work (expiring flows, labelling and writing records) runs in slices of WORK_SLICE_MS between
  // capture callbacks: libuv polls the capture socket between two setImmediate turns, so a SYN never waits
  // behind more than one slice.
  let workScheduled = false;
  const runWork = () => {
    workScheduled = false;
    const deadline = performance.now() + WORK_SLICE_MS;
    const now = Date.now();
    let more = true;
    while (more && performance.now() < deadline) {
      // a congested sink stops the work; the ticker looks again in TICK_MS (no busy loop meanwhile)
      if (pipeline.blocked) return;
      // expire only while the pipeline keeps up: what waits, waits in the fixed-size tables, not on the heap
      const expiring = pipeline.backlog < 256 ? responder.tick(now, 16) : true;
      const backlog = pipeline.drain(8);
      more = expiring || backlog > 0;
    }
    if (more) scheduleDrain();
  };
  const scheduleDrain = () => {
    if (!workScheduled) {
      workScheduled = true;
      setImmediate(runWork);
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

  // -a/--arp-spoof: answer ARP for unused IPv4 addresses of the networks, never for a live one (docs/arp.md)
  let arp: ArpClaimer | undefined;
  if (settings.arpSpoof) {
    const arpLog = log.child({ component: 'arp' });
    const link = readLinkInfo(dev);
    const v6 = networks.filter((n) => n.version === 6).map((n) => n.text);
    if (v6.length > 0) {
      arpLog.warn({ event: 'ArpIpv6NotClaimed', networks: v6 }, '-a claims IPv4 addresses only; IPv6 networks are answered only for traffic that reaches this host anyway (docs/arp.md)');
    }
    arp = new ArpClaimer({
      networks,
      mac: link.mac,
      ownAddresses: link.hostAddresses,
      excluded: [...link.gateways.map((g) => parseCidr(g)!), ...settings.arpExclude],
      claimRequests: settings.arpClaimRequests,
      claimWindowMs: settings.arpClaimWindowMs,
      recheckMs: settings.arpRecheckMs,
      device,
      log: (e) => arpLog.info(e, e.event),
      nowMs: Date.now(),
    });
    if (!arp.active || settings.networks.length === 0) {
      arpLog.warn({ event: 'ArpNothingToClaim' }, '-a needs an IPv4 subnet given with -n (the device\'s own addresses are never claimed)');
      arp = undefined;
    } else {
      arpLog.info({
        event: 'ArpClaimingEnabled', mac: formatMac(link.mac), never_claimed: [...link.gateways, ...settings.arpExclude.map((n) => n.text)],
        claim_requests: settings.arpClaimRequests, claim_window_ms: settings.arpClaimWindowMs, recheck_ms: settings.arpRecheckMs,
      }, 'claiming unused IPv4 addresses after unanswered ARP requests and probes');
      if (link.ipForward) {
        arpLog.warn({ event: 'ArpIpForwarding' }, 'net.ipv4.ip_forward is on: the kernel may also route traffic sent to claimed addresses; turn forwarding off or drop forwarded traffic to the monitored networks');
      }
    }
  }

  let internalErrors = 0;
  const filter = buildCaptureFilter({ mac: dev.mac, networks, excludedPorts, outboundUdp: true, arp: arp !== undefined });
  try {
    pcap = new PcapDevice({
      device: settings.device,
      filter,
      bufferSize: settings.pcapBufferSize,
      onFrame: (buf, len, truncated) => {
        try {
          const now = Date.now();
          // with -a, ARP goes to the claimer, and IPv4 only for claimed (or our own) addresses reaches the responder
          if (arp === undefined || arp.onFrame(buf, len, now)) responder.onFrame(buf, len, now, truncated);
        } catch (err) {
          // a bug must not take the sensor down on one hostile frame; count it and go on
          if (++internalErrors <= 10) log.error({ event: 'InternalError', err }, 'frame handling failed');
        }
      },
    });
  } catch (err) {
    return fatal(err, err instanceof CaptureError && err.code === 'SYNBAIT_ERR_NO_DEVICE' ? 2 : 1);
  }

  // health: the capture is open and the tick below keeps beating (not merely "the process runs")
  const liveness = new Liveness({ staleAfterMs: LIVENESS_STALE_MS });
  liveness.addCheck({ problem: 'capture_closed', ok: () => pcap?.isOpen === true });
  liveness.addCheck({ problem: 'device_missing', ok: devicePresent(settings.device) });
  liveness.beat(Date.now());
  // /metrics: every component with samples() registers here
  const metrics = new MetricRegistry();
  metrics.register(sensorMetrics({
    version: pkg.version, responder, pipeline, stdoutDropped: () => out.dropped, internalErrors: () => internalErrors,
    health: () => liveness.status(Date.now()),
  }));
  if (archive) metrics.register(archive);
  if (uploadJob) metrics.register(uploadJob);
  if (arp) metrics.register(arp);
  if (alerts) metrics.register(alerts);
  let observers: Observers;
  try {
    observers = await startObservers({
      metricsListen: settings.metricsListen, healthFile: settings.healthFile, metrics, liveness,
      onError: (what, err) => log.error({ event: 'ObserverFailed', component: what, err }, `${what} failed`),
    });
  } catch (err) {
    pcap.close();
    const what = [
      settings.metricsListen && `--metrics-listen ${settings.metricsListen.host}:${settings.metricsListen.port}`,
      settings.healthFile && `--health-file ${settings.healthFile}`,
    ].filter(Boolean).join(', ');
    return fatal(new Error(`cannot start ${what}: ${err instanceof Error ? err.message : String(err)}`, { cause: err }), 1);
  }

  log.info({
    event: 'SensorStarted',
    device: settings.device,
    mtu: dev.mtu,
    networks: networks.map((n) => n.text),
    excluded_ports: excludedPorts.map((r) => (r.from === r.to ? `${r.from}` : `${r.from}-${r.to}`)),
    exclusions: describeExclusions(scope.exclusions),
    ...(observers.metricsAddress ? { metrics_listen: `${observers.metricsAddress.host}:${observers.metricsAddress.port}` } : {}),
    rules: classifier.ruleCount,
    filter,
  }, `answering SYNs on ${settings.device} for ${networks.map((n) => n.text).join(', ')}`);
  uploadJob?.start();

  const ticker = setInterval(() => {
    liveness.beat(Date.now());
    arp?.tick(Date.now());
    scheduleDrain();
  }, TICK_MS);

  // how long the event loop was held up since the last summary: a long stall lets the capture ring overflow
  const loopDelay = monitorEventLoopDelay({ resolution: 5 });
  loopDelay.enable();
  const summary = () => {
    const delay = { event_loop_delay_max_ms: Math.round(loopDelay.max / 1e5) / 10, event_loop_delay_p99_ms: Math.round(loopDelay.percentile(99) / 1e5) / 10 };
    loopDelay.reset();
    return summaryCounters(delay);
  };
  const summaryCounters = (delay: Record<string, number>) => ({
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
    record_backlog: pipeline.backlog,
    ...(arp ? { arp_claimed: arp.claimedCount } : {}),
    ...(archive ? { archive_buffered_bytes: archive.bufferedBytes, spool_files: archive.spool.readyFiles, spool_bytes: archive.spool.readyBytes + archive.openBytes } : {}),
    ...memory(),
    ...delay,
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
      const stopStarted = Date.now();
      // alerts get what is left once the archive upload (when there is one) and the last log lines are provided for
      alerts?.closeBy(stopStarted + SHUTDOWN_BUDGET_MS - (uploadJob ? 2500 : 1500));
      const hardStop = setTimeout(() => {
        log.error({ event: 'ShutdownTimeout', budget_ms: SHUTDOWN_BUDGET_MS }, 'shutdown budget exceeded');
        out.flushSync();
        process.exit(1);
      }, SHUTDOWN_BUDGET_MS);
      log.info({ event: 'SensorStopping', signal }, 'stopping');
      pcap?.close();
      const observersClosed = observers.close();
      clearInterval(ticker);
      clearInterval(dropTimer);
      if (stats) clearInterval(stats);
      responder.finishAll('shutdown');
      await pipeline.close();
      // the archive just rotated its last file: one final upload with what is left of the budget (logs need ~0.5 s)
      if (uploadJob) await uploadJob.shutdown(SHUTDOWN_BUDGET_MS - (Date.now() - stopStarted) - 700);
      reportDrops();
      await observersClosed;
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
