#!/bin/bash
# synbait container entrypoint: installs the drop rules of iptables/ for the sensor, runs the sensor as a child
# (supervised, not exec'd: we own the cleanup), forwards TERM/INT to it, and removes every rule on exit.
#
#   entrypoint.sh [SENSOR-FLAGS...]   run the sensor (flags and SYNBAIT_* variables as for `synbait`)
#   entrypoint.sh cleanup             remove every synbait rule (both backends, both families) and exit
#   entrypoint.sh healthcheck         exit 0 while the sensor is healthy (the image's HEALTHCHECK)
#   entrypoint.sh report ... | --help | --version | firewall-rules ...   the sensor's command, no firewall
#
# Variables read here (besides the sensor's own):
#   SYNBAIT_FIREWALL=on|off              off: install nothing, touch nothing (you manage the firewall)
#   SYNBAIT_IPTABLES_BACKEND=auto|nft|legacy
#                                        auto: the backend that holds the host's rules (ours excluded), else nft
#   SYNBAIT_DEVICE                       unset: the device of the default route (a -i flag still wins)
#
# The rules follow tailscale's util/linuxfw and crowdsec's firewall bouncer: our own chains, loaded with
# `iptables-restore --noflush`; each jump inserted only when `-C` says it is missing; teardown before setup (a
# SIGKILLed run leaves rules behind); teardown tolerates missing pieces; every command is logged; a failure to
# install is fatal. Works from the image (/app) and from a checkout: the sensor is found next to this file.
# Logs are JSON lines on stderr; stdout belongs to the sensor (records).
set -u

HERE=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
# the executable itself: its first line sets the runtime flags (a small young generation, two malloc arenas)
SENSOR=("$HERE/src/bin.mjs")
CHAINS="INPUT:SYNBAIT-INPUT OUTPUT:SYNBAIT-OUTPUT"
# after a forwarded TERM/INT the sensor stops within its own budget (4.5 s); this is the backstop
KILL_AFTER=10
HEARTBEAT_MAX_AGE=10

# ---- logging ---------------------------------------------------------------------------------------------------

json_str() {
  local s=$1
  s=${s//\\/\\\\}
  s=${s//\"/\\\"}
  s=${s//$'\n'/\\n}
  s=${s//$'\r'/\\r}
  s=${s//$'\t'/\\t}
  printf '"%s"' "$s"
}

# log LEVEL EVENT MESSAGE [KEY VALUE]...
log() {
  local level=$1 event=$2 msg=$3 extra=''
  shift 3
  while [ $# -ge 2 ]; do
    extra+=",\"$1\":$(json_str "$2")"
    shift 2
  done
  printf '{"level":"%s","time":"%s","component":"entrypoint","event":"%s"%s,"msg":%s}\n' \
    "$level" "$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)" "$event" "$extra" "$(json_str "$msg")" >&2
}

# run CMD ARGS...: logs the command, runs it, logs its output when it fails; returns its status
run() {
  local out rc
  log info FirewallCommand "$*" cmd "$*"
  out=$("$@" 2>&1)
  rc=$?
  if [ $rc -ne 0 ]; then log warn FirewallCommandFailed "$* failed ($rc)" cmd "$*" status "$rc" output "$out"; fi
  return $rc
}

# check CMD ARGS...: logs the command, runs it quietly; its status is the answer (iptables -C)
check() {
  log info FirewallCommand "$*" cmd "$*"
  "$@" >/dev/null 2>&1
}

# run_input INPUT CMD ARGS...: like run, with INPUT on stdin
run_input() {
  local input=$1 out rc
  shift
  log info FirewallCommand "$* < rules" cmd "$*"
  out=$(printf '%s\n' "$input" | "$@" 2>&1)
  rc=$?
  if [ $rc -ne 0 ]; then log warn FirewallCommandFailed "$* failed ($rc)" cmd "$*" status "$rc" output "$out"; fi
  return $rc
}

# ---- iptables --------------------------------------------------------------------------------------------------

ipt() { if [ "$2" = 4 ]; then echo "iptables-$1"; else echo "ip6tables-$1"; fi; }
ipt_save() { if [ "$2" = 4 ]; then echo "iptables-$1-save"; else echo "ip6tables-$1-save"; fi; }
ipt_restore() { if [ "$2" = 4 ]; then echo "iptables-$1-restore"; else echo "ip6tables-$1-restore"; fi; }

# The ruleset of a backend and family; never creates a table (a bare -save lists only loaded tables).
saved_rules() { "$(ipt_save "$1" "$2")" 2>/dev/null; }

# teardown_family BACKEND FAMILY: removes our jumps and chains if present. Returns 1 if anything is left.
teardown_family() {
  local backend=$1 family=$2 cmd rules pair parent chain n
  cmd=$(ipt "$backend" "$family")
  command -v "$cmd" >/dev/null 2>&1 || return 0
  rules=$(saved_rules "$backend" "$family") || return 0
  case $rules in *SYNBAIT-*) ;; *) return 0 ;; esac
  log info FirewallTeardown "removing synbait rules ($backend, IPv$family)" backend "$backend" family "$family"
  for pair in $CHAINS; do
    parent=${pair%%:*}
    chain=${pair#*:}
    # every copy of the jump (a crashed run may have left several)
    n=$(printf '%s\n' "$rules" | grep -c -- "^-A $parent -j $chain\$")
    while [ "$n" -gt 0 ]; do
      run "$cmd" -w -D "$parent" -j "$chain"
      n=$((n - 1))
    done
    if printf '%s\n' "$rules" | grep -q -- "^:$chain "; then
      run "$cmd" -w -F "$chain"
      run "$cmd" -w -X "$chain"
    fi
  done
  rules=$(saved_rules "$backend" "$family")
  case $rules in
    *SYNBAIT-*)
      log error FirewallTeardownIncomplete "synbait rules are still present ($backend, IPv$family)" \
        backend "$backend" family "$family" remaining "$(printf '%s\n' "$rules" | grep -- SYNBAIT-)"
      return 1 ;;
  esac
  return 0
}

# teardown BACKEND...: both families of each backend
teardown() {
  local status=0 backend family
  for backend in "$@"; do
    for family in 4 6; do teardown_family "$backend" "$family" || status=1; done
  done
  return $status
}

# install_family BACKEND FAMILY RULES
install_family() {
  local backend=$1 family=$2 rules=$3 cmd pair parent chain line
  cmd=$(ipt "$backend" "$family")
  while IFS= read -r line; do
    case $line in '#'* | '') ;; *) log info FirewallRule "$line" backend "$backend" family "$family" ;; esac
  done <<<"$rules"
  run_input "$rules" "$(ipt_restore "$backend" "$family")" -w --noflush || return 1
  for pair in $CHAINS; do
    parent=${pair%%:*}
    chain=${pair#*:}
    if check "$cmd" -w -C "$parent" -j "$chain"; then
      log info FirewallJumpPresent "$parent already jumps to $chain" backend "$backend" family "$family"
    else
      run "$cmd" -w -I "$parent" 1 -j "$chain" || return 1
    fi
  done
}

count_rules() {
  local n
  n=$(saved_rules "$1" "$2" | grep -v -- 'SYNBAIT-' | grep -c '^-A')
  echo "${n:-0}"
}

# The backend holding the host's rules (kube-proxy's iptables-wrapper compares the same counts): legacy only if it
# holds more rules than nft; nft when both are empty (Debian's default since bookworm).
choose_backend() {
  local want=${SYNBAIT_IPTABLES_BACKEND:-auto} legacy nft
  if [ "$want" != auto ]; then
    log info BackendChosen "iptables backend $want (SYNBAIT_IPTABLES_BACKEND)" backend "$want" reason override
    BACKEND=$want
    return
  fi
  legacy=$(($(count_rules legacy 4) + $(count_rules legacy 6)))
  nft=$(($(count_rules nft 4) + $(count_rules nft 6)))
  if [ "$legacy" -gt "$nft" ]; then BACKEND=legacy; else BACKEND=nft; fi
  log info BackendChosen "iptables backend $BACKEND (host rules: $legacy legacy, $nft nft)" \
    backend "$BACKEND" reason detected legacy_rules "$legacy" nft_rules "$nft"
}

# ---- the device --------------------------------------------------------------------------------------------------

default_route_device() {
  local iface dest mask plen
  if [ -r /proc/net/route ]; then
    while read -r iface dest _ _ _ _ _ mask _; do
      if [ "$dest" = 00000000 ] && [ "$mask" = 00000000 ] && [ "$iface" != lo ]; then echo "$iface"; return 0; fi
    done </proc/net/route
  fi
  if [ -r /proc/net/ipv6_route ]; then
    while read -r dest plen _ _ _ _ _ _ _ iface; do
      if [ "$dest" = 00000000000000000000000000000000 ] && [ "$plen" = 00 ] && [ "$iface" != lo ]; then echo "$iface"; return 0; fi
    done </proc/net/ipv6_route
  fi
  return 1
}

pick_device() {
  local dev
  if [ -n "${SYNBAIT_DEVICE:-}" ]; then return; fi
  if dev=$(default_route_device); then
    export SYNBAIT_DEVICE=$dev
    log info DeviceChosen "SYNBAIT_DEVICE is not set: using $dev, the device of the default route (a -i flag wins)" device "$dev"
  else
    unset SYNBAIT_DEVICE
    log warn DeviceChosen "SYNBAIT_DEVICE is not set and there is no default route; the sensor needs -i DEVICE"
  fi
}

# ---- subcommands -------------------------------------------------------------------------------------------------

cleanup_command() {
  local status=0 backend
  for backend in nft legacy; do
    command -v "$(ipt "$backend" 4)" >/dev/null 2>&1 || continue
    teardown "$backend" || status=1
  done
  if [ $status -eq 0 ]; then log info FirewallRemoved "no synbait rules left"; fi
  exit $status
}

healthcheck_command() {
  local f=${SYNBAIT_HEALTH_FILE:-} age
  if [ -n "$f" ]; then
    if [ ! -f "$f" ]; then echo "unhealthy: no heartbeat file $f (capture closed or sensor not running)"; exit 1; fi
    age=$(($(date +%s) - $(stat -c %Y "$f")))
    if [ "$age" -gt "$HEARTBEAT_MAX_AGE" ]; then echo "unhealthy: heartbeat $f is ${age}s old"; exit 1; fi
    echo "healthy: heartbeat ${age}s old"
    exit 0
  fi
  if [ -n "${SYNBAIT_METRICS_LISTEN:-}" ]; then
    # shellcheck disable=SC2016 # JavaScript, not shell
    exec node -e '
      const t = process.env.SYNBAIT_METRICS_LISTEN;
      const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s]+)):(\d{1,5})$/.exec(t) ?? /^(\d{1,5})$/.exec(t);
      if (!m) { console.log("unhealthy: cannot read SYNBAIT_METRICS_LISTEN"); process.exit(1); }
      let host = m.length === 2 ? "127.0.0.1" : (m[1] ?? m[2]);
      if (host === "0.0.0.0") host = "127.0.0.1";
      if (host === "::") host = "::1";
      const url = `http://${host.includes(":") ? `[${host}]` : host}:${m[m.length - 1]}/healthz`;
      fetch(url, { signal: AbortSignal.timeout(4000) }).then(async (r) => {
        console.log(`${r.ok ? "healthy" : "unhealthy"}: ${(await r.text()).trim()}`);
        process.exit(r.ok ? 0 : 1);
      }, (e) => { console.log(`unhealthy: ${url}: ${e.message}`); process.exit(1); });'
  fi
  echo "unhealthy: neither SYNBAIT_HEALTH_FILE nor SYNBAIT_METRICS_LISTEN is set"
  exit 1
}

# ---- run ---------------------------------------------------------------------------------------------------------

BACKEND=''
INSTALLED=0
CHILD=''
WATCHDOG=''

# shellcheck disable=SC2317 # trap handlers
on_exit() {
  local rc=$?
  trap - EXIT TERM INT
  if [ -n "$WATCHDOG" ]; then kill "$WATCHDOG" 2>/dev/null; fi
  if [ "$INSTALLED" = 1 ]; then
    if teardown "$BACKEND"; then
      log info FirewallRemoved "synbait rules removed ($BACKEND)" backend "$BACKEND"
    else
      log error FirewallRemoved "some synbait rules could not be removed; run entrypoint.sh cleanup" backend "$BACKEND"
      if [ "$rc" -eq 0 ]; then rc=1; fi
    fi
  fi
  log info EntrypointExit "exiting with status $rc" status "$rc"
  exit "$rc"
}

# shellcheck disable=SC2317 # trap handler
on_signal() {
  local sig=$1 num=$2
  if [ -z "$CHILD" ]; then
    log info SignalReceived "SIG$sig before the sensor started: stopping" signal "$sig"
    exit $((128 + num))
  fi
  log info SignalReceived "SIG$sig: forwarding to the sensor (pid $CHILD)" signal "$sig"
  kill -s "$sig" "$CHILD" 2>/dev/null
  if [ -z "$WATCHDOG" ]; then
    (
      trap 'kill "$sleeper" 2>/dev/null; exit 0' TERM
      sleep "$KILL_AFTER" &
      sleeper=$!
      wait "$sleeper"
      if kill -0 "$CHILD" 2>/dev/null; then
        log error SensorKilled "the sensor did not stop within ${KILL_AFTER}s of SIG$sig: killing it" pid "$CHILD"
        kill -KILL "$CHILD" 2>/dev/null
      fi
    ) &
    WATCHDOG=$!
  fi
}

render() { # render FAMILY SENSOR-FLAGS...: the rules for one family, from the sensor's own parser
  local family=$1
  shift
  "${SENSOR[@]}" firewall-rules --family "$family" -- "$@"
}

main() {
  case ${1:-} in
    cleanup) cleanup_command ;;
    healthcheck) healthcheck_command ;;
    # not a sensor run (e.g. `docker run synbait:latest report s3://bucket/prefix`): no firewall involved
    report | firewall-rules | -h | --help | -V | --version) exec "${SENSOR[@]}" "$@" ;;
  esac

  local firewall=${SYNBAIT_FIREWALL:-on} rules4 rules6 rc family rules
  case $firewall in on | off) ;; *)
    log fatal ConfigInvalid "SYNBAIT_FIREWALL: expected on or off (got \"$firewall\")"
    exit 2 ;;
  esac
  case ${SYNBAIT_IPTABLES_BACKEND:-auto} in auto | nft | legacy) ;; *)
    log fatal ConfigInvalid "SYNBAIT_IPTABLES_BACKEND: expected auto, nft or legacy (got \"$SYNBAIT_IPTABLES_BACKEND\")"
    exit 2 ;;
  esac

  pick_device

  if [ "$firewall" = off ]; then
    log info FirewallSkipped "SYNBAIT_FIREWALL=off: no rules installed or removed; the host firewall must drop what the sensor answers"
    exec "${SENSOR[@]}" "$@"
  fi

  trap 'on_signal TERM 15' TERM
  trap 'on_signal INT 2' INT
  trap on_exit EXIT

  # leftovers of a run that was SIGKILLed, in whichever backend it used
  local backend
  for backend in nft legacy; do
    command -v "$(ipt "$backend" 4)" >/dev/null 2>&1 || continue
    if ! teardown "$backend"; then
      log fatal FirewallFailed "cannot remove leftover synbait rules ($backend)" backend "$backend"
      exit 1
    fi
  done
  choose_backend
  if ! command -v "$(ipt "$BACKEND" 4)" >/dev/null 2>&1; then
    log fatal FirewallFailed "$(ipt "$BACKEND" 4) is not installed" backend "$BACKEND"
    exit 1
  fi

  # the sensor's own parser renders the rules: a configuration error stops us here, before any change
  rules4=$(render 4 "$@") || { rc=$?; log fatal FirewallFailed "cannot render the IPv4 rules (status $rc)"; exit $rc; }
  rules6=$(render 6 "$@") || { rc=$?; log fatal FirewallFailed "cannot render the IPv6 rules (status $rc)"; exit $rc; }

  INSTALLED=1
  for family in 4 6; do
    if [ "$family" = 4 ]; then rules=$rules4; else rules=$rules6; fi
    if [ -z "$rules" ]; then
      log info FirewallSkipped "no IPv$family address is monitored: no IPv$family rules" family "$family"
      continue
    fi
    if ! install_family "$BACKEND" "$family" "$rules"; then
      log fatal FirewallFailed "cannot install the IPv$family rules ($BACKEND); removing what was installed" backend "$BACKEND" family "$family"
      exit 1
    fi
  done
  log info FirewallInstalled "synbait rules installed ($BACKEND)" backend "$BACKEND"

  "${SENSOR[@]}" "$@" &
  CHILD=$!
  log info SensorSpawned "sensor started (pid $CHILD)" pid "$CHILD"
  while :; do
    wait "$CHILD"
    rc=$?
    kill -0 "$CHILD" 2>/dev/null || break
  done
  if [ $rc -gt 128 ]; then
    # wait was interrupted by a trap as the sensor ended: fetch its own status
    wait "$CHILD" 2>/dev/null
    local again=$?
    if [ $again -ne 127 ]; then rc=$again; fi
  fi
  log info SensorExited "sensor exited with status $rc" status "$rc"
  exit $rc
}

main "$@"
