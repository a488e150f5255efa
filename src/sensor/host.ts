// What the sensor answers for on this host: the device's facts and the scope that `synbait firewall-rules` gives
// the container firewall too (-n or the device's addresses, minus -e, the SSH ports and every port a service on
// this host listens on), compiled for the responder.

import { readDeviceInfo, type DeviceInfo } from '../capture/device-info.ts';
import type { Settings } from '../config/settings.ts';
import { readHostListeners } from '../scope/host-listeners.ts';
import type { Listener } from '../scope/proc-net.ts';
import { resolveScope, type SensorScope } from '../scope/scope.ts';
import { compileTargets, type Targets } from '../flow/targets.ts';

export interface HostView {
  readonly dev: DeviceInfo;
  readonly scope: SensorScope;
  readonly targets: Targets;
  /** The listening sockets read at start (listeners.ts re-reads them). */
  readonly listeners: readonly Listener[];
}

/** Throws CaptureError (no such device) or ConfigError (nothing to answer for). */
export function inspectHost(settings: Settings): HostView {
  const dev = readDeviceInfo(settings.device);
  const listeners = readHostListeners();
  const scope = resolveScope(settings, dev.addresses, listeners);
  return { dev, scope, targets: compileTargets(scope.networks, scope.exclusions.ports), listeners };
}

