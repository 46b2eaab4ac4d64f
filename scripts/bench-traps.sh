#!/usr/bin/env bash
# The trap receiver under a flood (bench/trap_blaster.rs, precomputed
# SNMPv2c linkDown/linkUp of 48 flapping ports, from 127.0.0.2), with a
# real Alertmanager receiving the alerts:
#
#  1. throughput: the flood at full speed with the rate limit out of the way,
#     netgauge's counters (accepted + dropped) per second of wall time, its CPU
#     time and peak RSS;
#  2. protection: a 60 s flood under the default rate limit (200/s, burst
#     1000) while another device (127.0.0.3) sends one linkDown every 10 s:
#     how long until each is in Alertmanager's API, and RSS each 10 s.
#
#   scripts/bench-traps.sh [flood_seconds=60]
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
flood=${1:-60}
base=32000
port=19791
trap_port=19162
am_port=19793
work=$(mktemp -d)
cleanup() {
  for p in ${ng_pid:-} ${sim_pid:-} ${am_pid:-}; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
target_dir=${CARGO_TARGET_DIR:-target}
cargo build --release --locked -q
cargo build --release --locked -q --example sim-agent --example trap-blaster
NETGAUGE=$target_dir/release/netgauge
"$target_dir/release/examples/sim-agent" 2 48 "$base" 2>/dev/null &
sim_pid=$!
printf 'route: {receiver: none, group_wait: 1s}\nreceivers: [{name: none}]\n' >"$work/am.yml"
prometheus-alertmanager --config.file="$work/am.yml" --storage.path="$work/am" \
  --web.listen-address=127.0.0.1:$am_port --cluster.listen-address= 2>/dev/null &
am_pid=$!

start_netgauge() { # $1: the rate_limit line
  cat >"$work/ng.yml" <<YML
traps:
  listen: 127.0.0.1:$trap_port
  alertmanager_urls: [http://127.0.0.1:$am_port]
  page_undescribed_interfaces: true
  $1
targets:
  - {name: flooder, address: '127.0.0.1:$base', trap_sources: [127.0.0.2], snmp: {community: public}}
  - {name: victim, address: '127.0.0.1:$((base + 1))', trap_sources: [127.0.0.3], snmp: {community: public}}
YML
  "$NETGAUGE" --config.file="$work/ng.yml" --web.listen-address=127.0.0.1:$port --log.level=error &
  ng_pid=$!
  for _ in $(seq 100); do curl -sf "127.0.0.1:$port/-/ready" >/dev/null && break; sleep 0.1; done
  # The interface directory knows both devices before the flood.
  curl -sf "127.0.0.1:$port/probe?target=flooder" >/dev/null
  curl -sf "127.0.0.1:$port/probe?target=victim" >/dev/null
}
counted() { # accepted + dropped, as netgauge counts them
  curl -sf "127.0.0.1:$port/metrics/exporter" |
    awk '/^netgauge_traps_(received|dropped)_total/ {s += $NF} END {printf "%d", s}'
}
rss_kib() { awk '/VmRSS/ {print $2}' "/proc/$ng_pid/status"; }
hwm_kib() { awk '/VmHWM/ {print $2}' "/proc/$ng_pid/status"; }
cpu_s() { awk '{printf "%.2f", ($14 + $15) / 100}' "/proc/$ng_pid/stat"; }
udp_drops() { awk '/^Udp:/ {n++} n == 2 && /^Udp:/ {print $6; exit}' /proc/net/snmp; }
for _ in $(seq 100); do curl -sf "127.0.0.1:$am_port/-/ready" >/dev/null && break; sleep 0.1; done

echo "== 1. throughput (rate limit off), 20 s at full speed from one source"
start_netgauge "rate_limit: {per_device: 1000000000/s, burst: 1000000}"
c0=$(counted); cpu0=$(cpu_s); d0=$(udp_drops); t0=$(date +%s.%N)
"$target_dir/release/examples/trap-blaster" 127.0.0.1:$trap_port 127.0.0.2 public 20
sleep 1
c1=$(counted); cpu1=$(cpu_s); d1=$(udp_drops); t1=$(date +%s.%N)
awk -v c="$((c1 - c0))" -v t0="$t0" -v t1="$t1" -v cpu0="$cpu0" -v cpu1="$cpu1" -v d="$((d1 - d0))" \
  'BEGIN {cpu = cpu1 - cpu0; printf "netgauge counted %d traps in %.1f s: %.0f/s; CPU %.1f s (%.1f us/trap); kernel UDP receive drops %d\n", c, t1 - t0, c / (t1 - t0), cpu, cpu * 1e6 / c, d}'
echo "netgauge peak RSS $(hwm_kib) KiB"
kill "$ng_pid"; wait "$ng_pid" 2>/dev/null || true

echo "== 2. a ${flood} s flood under the default rate limit; another device's linkDown every 10 s"
start_netgauge "rate_limit: {per_device: 200/s, burst: 1000}"
"$target_dir/release/examples/trap-blaster" 127.0.0.1:$trap_port 127.0.0.2 public "$flood" >"$work/blast.txt" &
blast_pid=$!
sleep 2
for k in $(seq 1 $((flood / 10 - 1))); do
  t=$(date +%s%N)
  MIBS= snmptrap -v 2c -c public --clientaddr=127.0.0.3 127.0.0.1:$trap_port '' .1.3.6.1.6.3.1.1.5.3 \
    .1.3.6.1.2.1.2.2.1.1.$k i "$k" 2>/dev/null
  until curl -sf "127.0.0.1:$am_port/api/v2/alerts?filter=device=\"victim\"" | grep -q "\"Gi1/0/$k\""; do sleep 0.01; done
  echo "victim linkDown $k in Alertmanager after $(( ($(date +%s%N) - t) / 1000000 )) ms; netgauge RSS $(rss_kib) KiB"
  sleep 8
done
wait "$blast_pid" || true
cat "$work/blast.txt"
curl -sf "127.0.0.1:$port/metrics/exporter" | grep -E '^netgauge_traps_(received|dropped)_total'
echo "netgauge peak RSS $(hwm_kib) KiB"
