#!/usr/bin/env bash
# Scrape time of one device with many interfaces, side by side: the raw walk
# of the tables (net-snmp's snmpbulkwalk), snmp_exporter's /snmp (Debian's
# prometheus-snmp-exporter) and netgauge's /snmp with the same if_mib module
# of the same snmp.yml, and netgauge's own /probe. Root only: it makes a
# network namespace with N `ifb` interfaces (this kernel has no `dummy` type)
# and runs net-snmp's snmpd in it.
#
#   scripts/bench-interfaces.sh [interfaces=1000] [runs=15] [max_repetitions=25]
#
# Prints medians of interleaved runs, and each exporter's CPU per scrape
# (utime+stime from /proc, 10 ms resolution); BENCHMARKS.md records what it
# printed and on what machine.
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
  [ -n "${se_pid:-}" ] && kill "$se_pid" 2>/dev/null || true
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
rocommunity public 127.0.0.1
CONF
ip netns exec "$ns" /usr/sbin/snmpd -f -Lo -C -c "$work/snmpd.conf" udp:127.0.0.1:1161 >"$work/snmpd.log" 2>&1 &
snmpd_pid=$!

cat > "$work/netgauge.yml" <<CONF
targets:
  - name: bench
    address: 127.0.0.1:1161
    snmp: {community: bench, max_repetitions: $rep, timeout: 10s, retries: 0}
CONF
# The generated v0.21.0 snmp.yml; its if_mib module asks for community "public".
sed "s/^  max_repetitions: 25$/  max_repetitions: $rep/" tests/fixtures/snmp_exporter/snmp.yml > "$work/snmp.yml"
ip netns exec "$ns" ./target/release/netgauge --config.file="$work/netgauge.yml" \
  --snmp.config.file="$work/snmp.yml" --web.listen-address=127.0.0.1:9742 --log.level=warn &
ng_pid=$!
ip netns exec "$ns" prometheus-snmp-exporter --config.file="$work/snmp.yml" \
  --web.listen-address=127.0.0.1:9116 --log.level=warn &
se_pid=$!
for _ in $(seq 50); do
  ip netns exec "$ns" snmpget -v2c -c bench -t 1 -r 0 127.0.0.1:1161 1.3.6.1.2.1.2.1.0 >/dev/null 2>&1 && break
  sleep 0.2
done
count=$(ip netns exec "$ns" snmpget -v2c -c bench -Oqv 127.0.0.1:1161 1.3.6.1.2.1.2.1.0)
echo "agent: net-snmp $(snmpd -v | awk '/version/{print $NF; exit}'), ifNumber=$count, max-repetitions=$rep, $runs runs each, interleaved"

walk() {
  ip netns exec "$ns" snmpbulkwalk -v2c -c bench -Cr"$rep" -t 10 -r 0 127.0.0.1:1161 1.3.6.1.2.1.2 >/dev/null
  ip netns exec "$ns" snmpbulkwalk -v2c -c bench -Cr"$rep" -t 10 -r 0 127.0.0.1:1161 1.3.6.1.2.1.31.1.1 >/dev/null
}
get() { ip netns exec "$ns" curl -sf -o "$work/$1.txt" "$2"; }
cpu() { awk '{print $14+$15}' "/proc/$1/stat"; }
ms() { date +%s%N; }
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

probe_url='http://127.0.0.1:9742/probe?target=bench'
ng_snmp_url='http://127.0.0.1:9742/snmp?target=127.0.0.1:1161&module=if_mib'
se_snmp_url='http://127.0.0.1:9116/snmp?target=127.0.0.1:1161&module=if_mib'
for _ in $(seq 50); do curl -sf -o /dev/null http://127.0.0.1:9116/ 2>/dev/null && break; ip netns exec "$ns" curl -sf -o /dev/null http://127.0.0.1:9116/ && break; sleep 0.2; done

# Warm-up: the agent loads its interface cache on first use.
walk; get probe "$probe_url"; get ng "$ng_snmp_url"; get se "$se_snmp_url"
walk_t=(); probe_t=(); probe_cpu=(); ng_t=(); ng_cpu=(); se_t=(); se_cpu=(); snmpd_ng=(); snmpd_se=()
for _ in $(seq "$runs"); do
  t0=$(ms); walk; t1=$(ms); walk_t+=($(( (t1 - t0) / 1000000 )))
  c0=$(cpu "$ng_pid"); t0=$(ms); get probe "$probe_url"; t1=$(ms); c1=$(cpu "$ng_pid")
  probe_t+=($(( (t1 - t0) / 1000000 ))); probe_cpu+=($(( (c1 - c0) * 10 )))
  c0=$(cpu "$ng_pid"); s0=$(cpu "$snmpd_pid"); t0=$(ms); get ng "$ng_snmp_url"; t1=$(ms); c1=$(cpu "$ng_pid"); s1=$(cpu "$snmpd_pid")
  ng_t+=($(( (t1 - t0) / 1000000 ))); ng_cpu+=($(( (c1 - c0) * 10 ))); snmpd_ng+=($(( (s1 - s0) * 10 )))
  c0=$(cpu "$se_pid"); s0=$(cpu "$snmpd_pid"); t0=$(ms); get se "$se_snmp_url"; t1=$(ms); c1=$(cpu "$se_pid"); s1=$(cpu "$snmpd_pid")
  se_t+=($(( (t1 - t0) / 1000000 ))); se_cpu+=($(( (c1 - c0) * 10 ))); snmpd_se+=($(( (s1 - s0) * 10 )))
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
w=$(median "${walk_t[@]}"); n=$(median "${ng_t[@]}"); e=$(median "${se_t[@]}")
nc=$(median "${ng_cpu[@]}"); ec=$(median "${se_cpu[@]}")
echo "raw snmpbulkwalk (what if_mib walks):  median $w ms  (runs: ${walk_t[*]})"
echo "snmp_exporter /snmp if_mib:            median $e ms  (runs: ${se_t[*]})"
echo "netgauge /snmp if_mib:                 median $n ms  (runs: ${ng_t[*]})"
echo "netgauge /probe (own schema):          median $(median "${probe_t[@]}") ms  (runs: ${probe_t[*]})"
echo "CPU per scrape: snmp_exporter $ec ms, netgauge /snmp $nc ms, netgauge /probe $(median "${probe_cpu[@]}") ms"
echo "snmpd CPU per scrape: for snmp_exporter $(median "${snmpd_se[@]}") ms, for netgauge /snmp $(median "${snmpd_ng[@]}") ms"
echo "ratios: netgauge/raw wall $(ratio "$n" "$w"), netgauge/snmp_exporter wall $(ratio "$n" "$e"), CPU $(ratio "$nc" "$ec")"
echo "output: /snmp $(grep -vc '^#' "$work/ng.txt") series (snmp_exporter $(grep -vc '^#' "$work/se.txt")), /probe $(grep -c '^netgauge_interface_info' "$work/probe.txt") interfaces"
