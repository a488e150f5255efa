// The record sinks of a run, as configured: stdout (console or JSON lines) always; the spool (--archive-dir) and
// its upload schedule (--s3-bucket); alerts (--slack-webhook-url, --webhook-url). A bad directory or schedule
// stops the start; an unreachable bucket does not (the start-up check logs it and the spool keeps everything).
// Each is loaded only when configured: a sensor writing to stdout alone does not carry the archive, the schedule
// (node-cron) or the alert senders.

import type { Settings } from '../config/settings.ts';
import { loadModule } from '../load-module.ts';
import type { UploadJob } from '../jobs/upload-job.ts';
import type { Sink } from '../pipeline/sink.ts';
import type { AlertSink } from '../sinks/alerts/alert-sink.ts';
import type { ArchiveSink } from '../sinks/archive/archive-sink.ts';
import { ConsoleSink, JsonLinesSink } from '../sinks/stdout-sinks.ts';
import type { SensorOutput } from './output.ts';

export interface SensorSinks {
  readonly sinks: readonly Sink[];
  readonly archive: ArchiveSink | undefined;
  readonly uploadJob: UploadJob | undefined;
  readonly alerts: AlertSink | undefined;
}

export async function assembleSinks(settings: Settings, { out, log }: SensorOutput): Promise<SensorSinks> {
  const sinks: Sink[] = [settings.format === 'json' ? new JsonLinesSink(out) : new ConsoleSink(out)];
  let archive: ArchiveSink | undefined;
  let uploadJob: UploadJob | undefined;
  if (settings.archiveDir !== undefined) {
    const { ArchiveSink } = await loadModule<typeof import('../sinks/archive/archive-sink.ts')>('../sinks/archive/archive-sink.ts', import.meta.url);
    archive = await ArchiveSink.open({
      dir: settings.archiveDir,
      sensor: settings.sensorId,
      rotateIntervalMs: settings.rotateIntervalMs,
      rotateSize: settings.rotateSize,
      pcap: settings.pcap,
      spoolMaxBytes: settings.spoolMaxBytes,
      log: log.child({ component: 'archive' }),
    });
    if (settings.s3Bucket !== undefined) uploadJob = await uploadJobFor(settings, archive, log.child({ component: 'upload' }));
    sinks.push(archive);
  }
  const alerts = await alertSinkFor(settings, log.child({ component: 'alerts' }));
  if (alerts) sinks.push(alerts);
  return { sinks, archive, uploadJob, alerts };
}

async function uploadJobFor(settings: Settings, archive: ArchiveSink, log: SensorOutput['log']): Promise<UploadJob> {
  // the AWS SDK is loaded only when there is a bucket: it costs more memory than the rest of the sensor
  const { S3Uploader } = await loadModule<typeof import('../sinks/archive/s3-uploader.ts')>('../sinks/archive/s3-uploader.ts', import.meta.url);
  const { UploadJob } = await loadModule<typeof import('../jobs/upload-job.ts')>('../jobs/upload-job.ts', import.meta.url);
  return new UploadJob({
    schedule: settings.uploadSchedule,
    log,
    uploader: new S3Uploader({
      bucket: settings.s3Bucket!,
      prefix: settings.s3Prefix,
      region: settings.s3Region,
      endpoint: settings.s3Endpoint,
      forcePathStyle: settings.s3ForcePathStyle,
      spool: archive.spool,
      log,
    }),
  });
}

/** Novelty-gated, rate-limited, never blocking capture (docs/alerts.md). */
async function alertSinkFor(settings: Settings, log: SensorOutput['log']): Promise<AlertSink | undefined> {
  if (settings.slackWebhookUrl === undefined && settings.webhookUrl === undefined) return undefined;
  const { AlertSink } = await loadModule<typeof import('../sinks/alerts/alert-sink.ts')>('../sinks/alerts/alert-sink.ts', import.meta.url);
  return new AlertSink({
    sensor: settings.sensorId,
    slackWebhookUrl: settings.slackWebhookUrl,
    webhookUrl: settings.webhookUrl,
    windowMs: settings.alertWindowMs,
    digestIntervalMs: settings.alertDigestIntervalMs,
    maxPerMinute: settings.alertMaxPerMinute,
    log,
  });
}
