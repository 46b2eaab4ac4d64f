#!/usr/bin/env bash
# A fleet: AGENTS simulated switches x INTERFACES interfaces (bench/sim_agent.rs,
# loopback UDP), scraped through /metrics (all at once) and through /probe
# (one scrape per device, 64 in flight). Prints wall time, netgauge CPU and
# peak RSS, series and bytes.
#
#   scripts/bench-fleet.sh [agents=2000] [interfaces=48] [max_concurrent_polls=1024]
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
agents=${1:-2000}
ifs=${2:-48}
conc=${3:-1024}
base=30000
work=$(mktemp -d)
cleanup() {
  [ -n "${ng_pid:-}" ] && kill "$ng_pid" 2>/dev/null || true
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
  echo "global: {max_concurrent_polls: $conc, scrape_timeout: 60s}"
  echo "defaults:"
  echo "  snmp: {community: public, timeout: 5s, retries: 1}"
  echo "targets:"
  for i in $(seq 0 $((agents - 1))); do echo "  - {name: sw$i, address: '127.0.0.1:$((base + i))'}"; done
} > "$work/netgauge.yml"
./target/release/netgauge --config.file="$work/netgauge.yml" --web.listen-address=127.0.0.1:19744 --log.level=error &
ng_pid=$!
sleep 1
cpu() { awk '{print ($14+$15)/100}' "/proc/$ng_pid/stat"; }
ms() { date +%s%N; }
echo "fleet: $agents agents x $ifs interfaces, max_concurrent_polls $conc"
for run in 1 2 3; do
  c0=$(cpu); t0=$(ms)
  curl -s -H 'X-Prometheus-Scrape-Timeout-Seconds: 30' -o "$work/out.txt" http://127.0.0.1:19744/metrics
  t1=$(ms); c1=$(cpu)
  up=$(grep -c '^netgauge_device_up{.*} 1$' "$work/out.txt" || true)
  echo "/metrics run $run: $(( (t1 - t0) / 1000000 )) ms wall, $(echo "$c1 - $c0" | bc) s CPU, devices up $up/$agents, $(grep -vc '^#' "$work/out.txt") series, $(wc -c < "$work/out.txt") bytes"
done
c0=$(cpu); t0=$(ms)
curl -s -H 'Accept-Encoding: gzip' -H 'X-Prometheus-Scrape-Timeout-Seconds: 30' -o "$work/out.gz" http://127.0.0.1:19744/metrics
t1=$(ms); c1=$(cpu)
echo "/metrics gzip (as Prometheus asks): $(( (t1 - t0) / 1000000 )) ms wall, $(echo "$c1 - $c0" | bc) s CPU, $(wc -c < "$work/out.gz") bytes"
c0=$(cpu); t0=$(ms)
seq 0 $((agents - 1)) | xargs -P 64 -I{} curl -s -o /dev/null -H 'X-Prometheus-Scrape-Timeout-Seconds: 30' 'http://127.0.0.1:19744/probe?target=sw{}'
t1=$(ms); c1=$(cpu)
echo "/probe x $agents (64 in flight): $(( (t1 - t0) / 1000000 )) ms wall, $(echo "$c1 - $c0" | bc) s CPU"
echo "netgauge peak RSS: $(awk '/VmHWM/ {print $2/1024 " MiB"}' /proc/$ng_pid/status), now $(awk '/VmRSS/ {print $2/1024 " MiB"}' /proc/$ng_pid/status)"
