#!/usr/bin/env bash
# A fleet: AGENTS simulated switches x INTERFACES interfaces (bench/sim_agent.rs,
# loopback UDP), scraped five ways, each by a fresh exporter process so its
# peak RSS is its own:
#
#   1. netgauge /metrics, every device in one scrape (plain text);
#   2. the same with Accept-Encoding: gzip, as Prometheus asks;
#   3. netgauge /probe, one scrape per device, 64 in flight (one `curl --parallel`);
#   4. netgauge /snmp with snmp_exporter's if_mib module, one per device, 64 in flight;
#   5. snmp_exporter (Debian's prometheus-snmp-exporter) /snmp, the same way.
#
# Prints wall time, exporter CPU (utime+stime), peak RSS (VmHWM), series.
#
#   scripts/bench-fleet.sh [agents=2000] [interfaces=48] [max_concurrent_polls=128] [max_snmp_sockets=128]
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
agents=${1:-2000}
ifs=${2:-48}
conc=${3:-128}
sockets=${4:-128}
base=30000
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -n "${sim_pid:-}" ] && kill "$sim_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
cargo build --release --locked -q
cargo build --release --locked -q --example sim-agent
ulimit -n 65536 2>/dev/null || true
./target/release/examples/sim-agent "$agents" "$ifs" "$base" 2>/dev/null &
sim_pid=$!
{
  echo "global: {max_concurrent_polls: $conc, max_snmp_sockets: $sockets, scrape_timeout: 60s}"
  echo "defaults:"
  echo "  snmp: {community: public, timeout: 5s, retries: 1}"
  echo "targets:"
  for i in $(seq 0 $((agents - 1))); do echo "  - {name: sw$i, address: '127.0.0.1:$((base + i))'}"; done
} > "$work/netgauge.yml"
# The generated v0.21.0 file; timeout and retries as netgauge's above, for a fair fight.
sed -e 's/^  retries: 3$/  retries: 1/' tests/fixtures/snmp_exporter/snmp.yml > "$work/snmp.yml"

port=19744
start_netgauge() {
  port=$((port + 1))
  ./target/release/netgauge --config.file="$work/netgauge.yml" --snmp.config.file="$work/snmp.yml" \
    --web.listen-address=127.0.0.1:$port --log.level=error &
  pid=$!; pids+=("$pid")
  for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$port/-/ready" && return; sleep 0.1; done
}
start_snmp_exporter() {
  port=$((port + 1))
  prometheus-snmp-exporter --config.file="$work/snmp.yml" --web.listen-address=127.0.0.1:$port --log.level=error &
  pid=$!; pids+=("$pid")
  for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$port/" && return; sleep 0.1; done
}
cpu() { awk '{print ($14+$15)/100}' "/proc/$pid/stat"; }
rss() { awk '/VmHWM/ {printf "%.0f MiB", $2/1024}' "/proc/$pid/status"; }
ms() { date +%s%N; }
report() { echo "$1: $(( ($3 - $2) / 1000000 )) ms wall, $(echo "$5 - $4" | bc) s CPU, peak RSS $(rss), $6"; }
many() {  # many URL-TEMPLATE ({} = device number): one request per device, 64 in flight
          # from one curl process (--parallel); prints how many returned 200
  seq 0 $((agents - 1)) | while read -r i; do
    url=${1//\{\}/$i}; url=${url//\{port\}/$((base + i))}
    printf 'url = "%s"\noutput = "/dev/null"\n' "$url"
  done > "$work/urls.cfg"
  curl -s --no-progress-meter -Z --parallel-max 64 -K "$work/urls.cfg" -H 'X-Prometheus-Scrape-Timeout-Seconds: 30' \
    -w '%{http_code}\n' | grep -c '^200$' || true
}
echo "fleet: $agents agents x $ifs interfaces, netgauge max_concurrent_polls $conc, max_snmp_sockets $sockets; $(nproc) CPUs"

start_netgauge
for run in 1 2 3; do
  c0=$(cpu); t0=$(ms)
  curl -s -H 'X-Prometheus-Scrape-Timeout-Seconds: 30' -o "$work/out.txt" "http://127.0.0.1:$port/metrics"
  t1=$(ms); c1=$(cpu)
  up=$(grep -c '^netgauge_device_up{.*} 1$' "$work/out.txt" || true)
  report "netgauge /metrics run $run" "$t0" "$t1" "$c0" "$c1" "devices up $up/$agents, $(grep -vc '^#' "$work/out.txt") series, $(wc -c < "$work/out.txt") bytes"
done
kill "$pid"

start_netgauge
for run in 1 2 3; do
  c0=$(cpu); t0=$(ms)
  curl -s -H 'Accept-Encoding: gzip' -H 'X-Prometheus-Scrape-Timeout-Seconds: 30' -o "$work/out.gz" "http://127.0.0.1:$port/metrics"
  t1=$(ms); c1=$(cpu)
  up=$(gzip -dc "$work/out.gz" | grep -c '^netgauge_device_up{.*} 1$' || true)
  report "netgauge /metrics gzip run $run" "$t0" "$t1" "$c0" "$c1" "devices up $up/$agents, $(wc -c < "$work/out.gz") bytes"
done
kill "$pid"

start_netgauge
c0=$(cpu); t0=$(ms)
ok=$(many "http://127.0.0.1:$port/probe?target=sw{}")
t1=$(ms); c1=$(cpu)
report "netgauge /probe x $agents" "$t0" "$t1" "$c0" "$c1" "$ok answered 200"
kill "$pid"

# /snmp polls any host in snmp_exporter; netgauge's list names these, so no --snmp.allow-any-target.
start_netgauge
c0=$(cpu); t0=$(ms)
ok=$(many "http://127.0.0.1:$port/snmp?target=127.0.0.1:{port}&module=if_mib")
t1=$(ms); c1=$(cpu)
report "netgauge /snmp if_mib x $agents" "$t0" "$t1" "$c0" "$c1" "$ok answered 200"
curl -s -o "$work/ng-one.txt" "http://127.0.0.1:$port/snmp?target=127.0.0.1:$base&module=if_mib"
kill "$pid"

start_snmp_exporter
c0=$(cpu); t0=$(ms)
ok=$(many "http://127.0.0.1:$port/snmp?target=127.0.0.1:{port}&module=if_mib")
t1=$(ms); c1=$(cpu)
report "snmp_exporter /snmp if_mib x $agents" "$t0" "$t1" "$c0" "$c1" "$ok answered 200"
curl -s -o "$work/se-one.txt" "http://127.0.0.1:$port/snmp?target=127.0.0.1:$base&module=if_mib"
kill "$pid"
echo "one device's /snmp: netgauge $(grep -vc '^#' "$work/ng-one.txt") lines, snmp_exporter $(grep -vc '^#' "$work/se-one.txt") lines"
