#!/bin/bash
# synbait container entrypoint: supervision only. Every firewall decision (backend, leftovers, rules, teardown) is
# `synbait firewall` (src/firewall/); this script calls `firewall up`, runs the sensor as a child (supervised, not
# exec'd: we own the cleanup), forwards TERM/INT to it, waits, and calls `firewall down` on exit.
#   entrypoint.sh [SENSOR-FLAGS...]   run the sensor (flags and SYNBAIT_* variables as for `synbait`)
#   entrypoint.sh cleanup             remove every synbait rule (both backends, both families) and exit
#   entrypoint.sh healthcheck         exit 0 while the sensor is healthy (the image's HEALTHCHECK; no Node start)
#   entrypoint.sh report ... | firewall ... | firewall-rules ... | --help | --version   the command, no firewall
# Logs: JSON lines on stderr (component "entrypoint", and "firewall" from synbait firewall); stdout is the sensor's.
set -u

HERE=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
SENSOR=("$HERE/src/bin.mjs")
# after a forwarded TERM/INT the sensor stops within its own budget (4.5 s); KILL_AFTER is the backstop
KILL_AFTER=10 HEARTBEAT_MAX_AGE=10

json_str() {
  local s=${1//\\/\\\\}
  s=${s//\"/\\\"}
  s=${s//$'\n'/\\n}
  printf '"%s"' "${s//$'\t'/\\t}"
}

log() { # log LEVEL EVENT MESSAGE [KEY VALUE]...
  local level=$1 event=$2 msg=$3 extra='' && shift 3
  while [ $# -ge 2 ]; do extra+=",\"$1\":$(json_str "$2")" && shift 2; done
  printf '{"level":"%s","time":"%s","component":"entrypoint","event":"%s"%s,"msg":%s}\n' \
    "$level" "$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)" "$event" "$extra" "$(json_str "$msg")" >&2
}

# The heartbeat file (SYNBAIT_HEALTH_FILE) is fresh, or else /healthz answers 200 (bash's /dev/tcp, no Node start).
healthcheck() {
  local f=${SYNBAIT_HEALTH_FILE:-} listen=${SYNBAIT_METRICS_LISTEN:-} age host port status
  if [ -n "$f" ]; then
    [ -f "$f" ] || { echo "unhealthy: no heartbeat file $f (capture closed or sensor not running)"; exit 1; }
    age=$(($(date +%s) - $(stat -c %Y "$f")))
    [ "$age" -le "$HEARTBEAT_MAX_AGE" ] || { echo "unhealthy: heartbeat $f is ${age}s old"; exit 1; }
    echo "healthy: heartbeat ${age}s old" && exit 0
  fi
  [ -n "$listen" ] || { echo "unhealthy: neither SYNBAIT_HEALTH_FILE nor SYNBAIT_METRICS_LISTEN is set"; exit 1; }
  port=${listen##*:} host=${listen%:*}
  [ "$host" = "$listen" ] && host=127.0.0.1 # a bare PORT
  host=${host#[} && host=${host%]}
  case $host in 0.0.0.0 | '') host=127.0.0.1 ;; ::) host=::1 ;; esac
  # shellcheck disable=SC2016 # expanded by the inner bash
  status=$(timeout 4 bash -c 'exec 3<>"/dev/tcp/$1/$2" && printf "GET /healthz HTTP/1.0\r\n\r\n" >&3 && head -c 12 <&3' _ "$host" "$port" 2>/dev/null)
  case $status in
    'HTTP/1.'?' 200') echo "healthy: http://$listen/healthz" && exit 0 ;;
    '') echo "unhealthy: no answer from $host port $port" && exit 1 ;;
    *) echo "unhealthy: http://$listen/healthz: ${status#HTTP/1.? }" && exit 1 ;;
  esac
}

case ${1:-} in
  cleanup) exec "${SENSOR[@]}" firewall down ;;
  healthcheck) healthcheck ;;
  # not a sensor run (e.g. `docker run synbait:latest report s3://bucket/prefix`): no firewall involved
  report | firewall | firewall-rules | -h | --help | -V | --version) exec "${SENSOR[@]}" "$@" ;;
esac

INSTALLED=0 CHILD='' WATCHDOG=''

# shellcheck disable=SC2317 # trap handlers (both functions)
on_exit() {
  local rc=$?
  trap - EXIT TERM INT
  [ -n "$WATCHDOG" ] && kill "$WATCHDOG" 2>/dev/null
  if [ "$INSTALLED" = 1 ] && ! "${SENSOR[@]}" firewall down; then
    log error FirewallRemoveFailed "some synbait rules could not be removed; run entrypoint.sh cleanup"
    [ "$rc" -eq 0 ] && rc=1
  fi
  log info EntrypointExit "exiting with status $rc" status "$rc"
  exit "$rc"
}

# shellcheck disable=SC2317
on_signal() {
  local sig=$1 num=$2
  if [ -z "$CHILD" ]; then
    log info SignalReceived "SIG$sig before the sensor started: stopping" signal "$sig"
    exit $((128 + num))
  fi
  log info SignalReceived "SIG$sig: forwarding to the sensor (pid $CHILD)" signal "$sig"
  kill -s "$sig" "$CHILD" 2>/dev/null
  [ -n "$WATCHDOG" ] && return
  (
    trap 'kill "$sleeper" 2>/dev/null; exit 0' TERM
    sleep "$KILL_AFTER" & sleeper=$!
    wait "$sleeper"
    if kill -0 "$CHILD" 2>/dev/null; then
      log error SensorKilled "the sensor did not stop within ${KILL_AFTER}s of SIG$sig: killing it" pid "$CHILD"
      kill -KILL "$CHILD" 2>/dev/null
    fi
  ) &
  WATCHDOG=$!
}

# SYNBAIT_DEVICE unset: the device of the default route (a -i flag still wins)
if [ -z "${SYNBAIT_DEVICE:-}" ]; then
  device=$("${SENSOR[@]}" firewall device) || exit
  if [ -n "$device" ]; then export SYNBAIT_DEVICE=$device; else unset SYNBAIT_DEVICE; fi
fi

trap 'on_signal TERM 15' TERM && trap 'on_signal INT 2' INT && trap on_exit EXIT
# SIGHUP: the sensor reloads its rules (docs/signatures.md); the entrypoint and the firewall carry on
trap '[ -z "$CHILD" ] || { log info SignalReceived "SIGHUP: forwarded to the sensor, which reloads its rules" signal HUP; kill -s HUP "$CHILD"; }' HUP

# removes leftovers, installs, removes what it installed if that fails; its undo plan is in its log
INSTALLED=1
"${SENSOR[@]}" firewall up -- "$@" >/dev/null || { rc=$?; INSTALLED=0; exit "$rc"; }

"${SENSOR[@]}" "$@" &
CHILD=$!
log info SensorSpawned "sensor started (pid $CHILD)" pid "$CHILD"
while wait "$CHILD"; rc=$?; kill -0 "$CHILD" 2>/dev/null; do :; done
# wait was interrupted by a trap as the sensor ended: fetch its own status
if [ "$rc" -gt 128 ]; then wait "$CHILD" 2>/dev/null; again=$? && [ "$again" -ne 127 ] && rc=$again; fi
log info SensorExited "sensor exited with status $rc" status "$rc"
exit "$rc"
