#!/usr/bin/env bash
# SNMPv3 at fleet scale: N targets polled over SNMPv3 authPriv (SHA-256/AES)
# through /metrics, each target a different UDP port of one net-snmp snmpd on
# 127.0.0.1 (so N engines to discover and keep, one agent process). Prints,
# per scrape, wall time, exporter CPU, SNMP requests sent and peak RSS.
#
#   scripts/bench-v3-fleet.sh [targets=500] [scrapes=5]
#
# NETGAUGE=path/to/netgauge compares another build (default: this tree's
# release build). net-snmp polls its sockets with select(): keep targets
# under ~1,000.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH" MIBS= MIBDIRS=/nonexistent
n=${1:-500}
scrapes=${2:-5}
base=24000
work=$(mktemp -d)
cleanup() {
  [ -n "${ng_pid:-}" ] && kill "$ng_pid" 2>/dev/null || true
  [ -n "${snmpd_pid:-}" ] && kill "$snmpd_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
if [ -z "${NETGAUGE:-}" ]; then
  cargo build --release --locked -q
  NETGAUGE=./target/release/netgauge
fi

mkdir "$work/persist"
cat > "$work/snmpd.conf" <<CONF
[snmp] persistentDir $work/persist
createUser bench SHA-256 "bench-auth-pass" AES "bench-priv-pass"
rouser bench priv
CONF
addrs=$(seq "$base" $((base + n - 1)) | sed 's/^/udp:127.0.0.1:/' | paste -sd,)
snmpd -f -Lo -C -c "$work/snmpd.conf" "$addrs" >/dev/null 2>&1 &
snmpd_pid=$!
for _ in $(seq 100); do
  snmpget -v3 -l authPriv -u bench -a SHA-256 -A bench-auth-pass -x AES -X bench-priv-pass \
    -t 1 -r 0 "127.0.0.1:$((base + n - 1))" 1.3.6.1.2.1.1.3.0 >/dev/null 2>&1 && break
  sleep 0.2
done

{
  echo "global: {scrape_timeout: 60s}"
  echo "auths:"
  echo "  v3: {version: 3, username: bench, security_level: authPriv, auth_protocol: SHA256, password: bench-auth-pass, priv_protocol: AES, priv_password: bench-priv-pass}"
  echo "defaults:"
  echo "  snmp: {auth: v3, timeout: 5s, retries: 1}"
  echo "targets:"
  for i in $(seq 0 $((n - 1))); do echo "  - {name: r$i, address: '127.0.0.1:$((base + i))'}"; done
} > "$work/netgauge.yml"

port=19790
"$NETGAUGE" --config.file="$work/netgauge.yml" --web.listen-address=127.0.0.1:$port --log.level=error &
ng_pid=$!
for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$port/-/ready" && break; sleep 0.1; done

cpu() { awk '{print ($14+$15)/100}' "/proc/$ng_pid/stat"; }
requests() { curl -s "http://127.0.0.1:$port/metrics/exporter" | awk '/^netgauge_snmp_requests_total/ {s += $2} END {print s + 0}'; }
echo "v3 fleet: $n targets (authPriv SHA-256/AES) on one snmpd, $(nproc) CPUs, $NETGAUGE"
for run in $(seq "$scrapes"); do
  c0=$(cpu); r0=$(requests); t0=$(date +%s%N)
  curl -s -H 'Accept-Encoding: gzip' -o "$work/out.gz" "http://127.0.0.1:$port/metrics"
  t1=$(date +%s%N); c1=$(cpu); r1=$(requests)
  up=$(gzip -dc "$work/out.gz" | grep -c '^netgauge_device_up{.*} 1$' || true)
  echo "scrape $run: $(( (t1 - t0) / 1000000 )) ms wall, $(echo "$c1 - $c0" | bc) s CPU, $((r1 - r0)) requests, up $up/$n, peak RSS $(awk '/VmHWM/ {printf "%.1f MiB", $2/1024}' "/proc/$ng_pid/status"), now $(awk '/VmRSS/ {printf "%.1f MiB", $2/1024}' "/proc/$ng_pid/status")"
done
