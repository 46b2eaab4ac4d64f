#!/usr/bin/env bash
# Scrape time of one device with many interfaces, next to the raw walk of the
# same tables. Root only: it makes a network namespace with N `ifb`
# interfaces (this kernel has no `dummy` type) and runs net-snmp's snmpd in it.
#
#   scripts/bench-interfaces.sh [interfaces=1000] [runs=15] [max_repetitions=25]
#
# Prints medians; BENCHMARKS.md records what it printed and on what machine.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH" MIBS= MIBDIRS=/nonexistent
n=${1:-1000}
runs=${2:-15}
rep=${3:-25}
ns=ngbench$$
work=$(mktemp -d)
cleanup() {
  [ -n "${ng_pid:-}" ] && kill "$ng_pid" 2>/dev/null || true
  [ -n "${snmpd_pid:-}" ] && kill "$snmpd_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  ip netns del "$ns" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

cargo build --release --locked -q
ip netns add "$ns"
ip -n "$ns" link set lo up
for i in $(seq 1 "$n"); do echo "link add port$i type ifb"; done | ip -n "$ns" -batch -

cat > "$work/snmpd.conf" <<CONF
[snmp] persistentDir $work
rocommunity bench 127.0.0.1
CONF
ip netns exec "$ns" /usr/sbin/snmpd -f -Lo -C -c "$work/snmpd.conf" udp:127.0.0.1:1161 >"$work/snmpd.log" 2>&1 &
snmpd_pid=$!

cat > "$work/netgauge.yml" <<CONF
targets:
  - name: bench
    address: 127.0.0.1:1161
    snmp: {community: bench, max_repetitions: $rep, timeout: 10s, retries: 0}
CONF
ip netns exec "$ns" ./target/release/netgauge --config.file="$work/netgauge.yml" \
  --web.listen-address=127.0.0.1:9742 --log.level=warn &
ng_pid=$!
for _ in $(seq 50); do
  ip netns exec "$ns" snmpget -v2c -c bench -t 1 -r 0 127.0.0.1:1161 1.3.6.1.2.1.2.1.0 >/dev/null 2>&1 && break
  sleep 0.2
done
count=$(ip netns exec "$ns" snmpget -v2c -c bench -Oqv 127.0.0.1:1161 1.3.6.1.2.1.2.1.0)
echo "agent: net-snmp $(snmpd -v | awk '/version/{print $NF; exit}'), ifNumber=$count, max-repetitions=$rep, $runs runs each, interleaved"

walk() {
  ip netns exec "$ns" snmpbulkwalk -v2c -c bench -Cr"$rep" -t 10 -r 0 127.0.0.1:1161 1.3.6.1.2.1.2.2 >/dev/null
  ip netns exec "$ns" snmpbulkwalk -v2c -c bench -Cr"$rep" -t 10 -r 0 127.0.0.1:1161 1.3.6.1.2.1.31.1.1 >/dev/null
}
scrape() {
  ip netns exec "$ns" curl -sf -o "$work/out.txt" 'http://127.0.0.1:9742/probe?target=bench'
}
cpu() { awk '{print $14+$15}' "/proc/$1/stat"; }
ms() { date +%s%N; }

# Warm-up: the agent loads its interface cache on first use.
walk; scrape
walk_t=(); scrape_t=(); ng_cpu=(); snmpd_cpu=()
for _ in $(seq "$runs"); do
  t0=$(ms); walk; t1=$(ms); walk_t+=($(( (t1 - t0) / 1000000 )))
  c0=$(cpu "$ng_pid"); s0=$(cpu "$snmpd_pid"); t0=$(ms); scrape; t1=$(ms); c1=$(cpu "$ng_pid"); s1=$(cpu "$snmpd_pid")
  scrape_t+=($(( (t1 - t0) / 1000000 ))); ng_cpu+=($(( (c1 - c0) * 10 ))); snmpd_cpu+=($(( (s1 - s0) * 10 )))
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
series=$(grep -c '^netgauge_' "$work/out.txt")
ifs=$(grep -c '^netgauge_interface_info' "$work/out.txt")
echo "raw snmpbulkwalk ifTable + ifXTable:   median $(median "${walk_t[@]}") ms  (runs: ${walk_t[*]})"
echo "netgauge /probe (33 IF-MIB columns):  median $(median "${scrape_t[@]}") ms  (runs: ${scrape_t[*]})"
echo "netgauge CPU per scrape:              median $(median "${ng_cpu[@]}") ms  (10 ms resolution)"
echo "snmpd CPU per netgauge scrape:        median $(median "${snmpd_cpu[@]}") ms"
echo "scrape output: $ifs interfaces, $series series, $(wc -c <"$work/out.txt") bytes"
