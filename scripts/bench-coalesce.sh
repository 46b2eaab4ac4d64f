#!/usr/bin/env bash
# Many scrapes at once (HA Prometheus pairs, dashboards, ad-hoc probes):
# SCRAPES simultaneous /metrics against AGENTS simulated switches x
# INTERFACES interfaces (bench/sim_agent.rs, loopback UDP). Prints how many
# device results came back up, down, or without series (overloaded), and
# the SNMP requests sent per scrape, for the netgauge binary in $NETGAUGE
# (default: this tree's release build), so two builds can be compared.
#
#   scripts/bench-coalesce.sh [scrapes=400] [agents=20] [interfaces=48]
#   NETGAUGE=/tmp/netgauge-before scripts/bench-coalesce.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
scrapes=${1:-400}
agents=${2:-20}
ifs=${3:-48}
base=31000
port=19790
work=$(mktemp -d)
cleanup() {
  [ -n "${ng_pid:-}" ] && kill "$ng_pid" 2>/dev/null || true
  [ -n "${sim_pid:-}" ] && kill "$sim_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
target_dir=${CARGO_TARGET_DIR:-target}
if [ -z "${NETGAUGE:-}" ]; then
  cargo build --release --locked -q
  NETGAUGE=$target_dir/release/netgauge
fi
cargo build --release --locked -q --example sim-agent
ulimit -n 65536 2>/dev/null || true
"$target_dir/release/examples/sim-agent" "$agents" "$ifs" "$base" 2>/dev/null &
sim_pid=$!
{
  echo "defaults:"
  echo "  snmp: {community: public, timeout: 2s, retries: 1}"
  echo "targets:"
  for i in $(seq 0 $((agents - 1))); do echo "  - {name: sw$i, address: '127.0.0.1:$((base + i))'}"; done
} > "$work/netgauge.yml"
"$NETGAUGE" --config.file="$work/netgauge.yml" --web.listen-address=127.0.0.1:$port --log.level=error &
ng_pid=$!
for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$port/-/ready" && break; sleep 0.1; done
requests() {
  curl -s "http://127.0.0.1:$port/metrics/exporter" | awk '/^netgauge_snmp_requests_total/ {s += $2} END {print s + 0}'
}
coalesced() {
  curl -s "http://127.0.0.1:$port/metrics/exporter" | awk '/^netgauge_polls_coalesced_total/ {s += $2} END {print s + 0}'
}
# One scrape alone first: its request count is what one poll of the fleet costs.
curl -s -o /dev/null "http://127.0.0.1:$port/metrics"
r0=$(requests)
curl -s -o /dev/null "http://127.0.0.1:$port/metrics"
r1=$(requests)
for i in $(seq "$scrapes"); do
  printf 'url = "http://127.0.0.1:%s/metrics"\noutput = "%s/out.%s"\n' "$port" "$work" "$i"
done > "$work/urls.cfg"
t0=$(date +%s%N)
curl -s --no-progress-meter -Z --parallel-max "$scrapes" -K "$work/urls.cfg" \
  -H 'X-Prometheus-Scrape-Timeout-Seconds: 10' -w '%{http_code}\n' > "$work/codes"
t1=$(date +%s%N)
r2=$(requests)
up=$(cat "$work"/out.* | grep -c '^netgauge_device_up{.*} 1$' || true)
down=$(cat "$work"/out.* | grep -c '^netgauge_device_up{.*} 0$' || true)
results=$((scrapes * agents))
echo "netgauge: $("$NETGAUGE" --version | head -1); $agents agents x $ifs interfaces; $(nproc) CPUs"
echo "one scrape alone: $((r1 - r0)) SNMP requests"
echo "$scrapes simultaneous /metrics: $(( (t1 - t0) / 1000000 )) ms wall, $(grep -c '^200$' "$work/codes") answered 200"
echo "  device results: $up up, $down down (netgauge_device_up 0), $((results - up - down)) without series (overloaded), of $results"
echo "  SNMP requests: $((r2 - r1)) in all, $(( (r2 - r1) / scrapes )) per scrape; polls coalesced: $(coalesced)"
