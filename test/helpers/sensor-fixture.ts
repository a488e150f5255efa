// The usual end-to-end setup as node:test hooks: a topology behind lurker's firewall and the real sensor on it
// (IPv4 network, JSON, 1 s flow timeout, plus `extra`), killed and cleaned up after the suite even on failure.
// Also the sensor's /metrics, read from inside its namespace.
import { after, before } from 'node:test';
import { createTopology, installLurkerFirewall, nsExec, type Topology } from './netns.ts';
import { startSensor, type SensorProcess } from './sensor.ts';

export interface SensorFixture {
  readonly topo: Topology;
  readonly sensor: SensorProcess;
}

export function sensorFixture(extra: readonly string[]): SensorFixture {
  const f: { topo?: Topology; sensor?: SensorProcess } = {};
  before(async () => {
    f.topo = createTopology();
    installLurkerFirewall(f.topo.sensorNs);
    f.sensor = await startSensor(f.topo.sensorNs, ['-i', f.topo.sensorIf, '-n', f.topo.net4, '--format', 'json', '--flow-timeout', '1', ...extra]);
  });
  after(async () => {
    if (f.sensor) await f.sensor.stop('SIGKILL');
    f.topo?.cleanup();
  });
  return {
    get topo() { return f.topo!; },
    get sensor() { return f.sensor!; },
  };
}

/** One counter or gauge without labels from the sensor's /metrics (`listen` as given to --metrics-listen). */
export function sensorMetric(topo: Topology, listen: string, name: string): number | undefined {
  const text = nsExec(topo.sensorNs, 'curl', ['-s', `http://${listen}/metrics`], { allowFail: true });
  const m = new RegExp(`^${name} (\\d+)$`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}
