#!/usr/bin/env bash
# What some collectors add to one device's scrape, on recordings of real
# devices played by snmpsim: each recording is served twice (hard links, so
# two communities, one data file) and scraped as two targets, one with
# every collector and one with them off (`collectors: {$BENCH_OFF}`,
# default `optics: false, bgp: false`); runs alternate between the two.
#
#   scripts/bench-collectors.sh [runs=7] [recording ...]
#   BENCH_OFF='neighbors: false, inventory: false' scripts/bench-collectors.sh 5 network/router/ruijie-n18010
#
# Recordings are paths under snmpsim-data-lextudio's data dir without
# `.snmprec.bz2`, or `fixtures/NAME` for tests/fixtures/snmprec/NAME.snmprec.
# Prints, per recording: series and SNMP requests per scrape with and
# without the collectors, and median wall time of a warm scrape (neighbors
# and the ENTITY-MIB table are cached for their interval, so a warm scrape
# is the steady state); then the first, cold scrape's requests and time,
# and the series families the collectors add. snmpsim spends about 130 µs of CPU
# per value: absolute times are snmpsim's, the requests and the difference
# are netgauge's.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
runs=${1:-7}
off=${BENCH_OFF:-optics: false, bgp: false}
shift || true
recordings=("$@")
if [ ${#recordings[@]} -eq 0 ]; then
  recordings=(
    network/router/juniper-mx960-16-1r6-7-b
    network/switch/cisco-n5000
    network/switch/huawei-s12704
    network/router/ruijie-n18010
    fixtures/cisco-bgp
  )
fi
venv=${NETGAUGE_TEST_VENV:-/opt/netgauge-test/venv}
data=$("$venv/bin/python" -c 'import snmpsim_data, os; print(os.path.join(os.path.dirname(snmpsim_data.__file__), "data"))')
work=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
web=127.0.0.1:$((40000 + RANDOM % 20000))
cleanup() {
  [ -n "${ng_pid:-}" ] && kill "$ng_pid" 2>/dev/null || true
  [ -n "${sim_pid:-}" ] && kill "$sim_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

cargo build --release --locked -q
mkdir -p "$work/data"
echo "targets:" > "$work/netgauge.yml"
names=()
for r in "${recordings[@]}"; do
  name=${r##*/}
  if [[ $r == fixtures/* ]]; then
    cp "tests/fixtures/snmprec/$name.snmprec" "$work/data/$name.snmprec"
  elif [ -f "$data/$r.snmprec" ]; then
    cp "$data/$r.snmprec" "$work/data/$name.snmprec"
  else
    bzip2 -dc "$data/$r.snmprec.bz2" > "$work/data/$name.snmprec"
  fi
  ln "$work/data/$name.snmprec" "$work/data/$name-off.snmprec"
  names+=("$name")
  for t in "$name" "$name-off"; do
    cat >> "$work/netgauge.yml" <<CONF
  - name: $t
    address: 127.0.0.1:$port
    snmp: {community: $t, timeout: 20s, retries: 0, max_repetitions: 50, walk_concurrency: 4}
CONF
    [ "$t" = "$name-off" ] && echo "    collectors: {$off}" >> "$work/netgauge.yml"
  done
done

"$venv/bin/snmpsim-command-responder" --data-dir="$work/data" --agent-udpv4-endpoint=127.0.0.1:$port \
  --process-user=root --process-group=root --cache-dir="$work/cache" >"$work/snmpsim.log" 2>&1 &
sim_pid=$!
for _ in $(seq 300); do
  snmpget -v2c -c "${names[0]}" -t 1 -r 0 127.0.0.1:$port 1.3.6.1.2.1.1.3.0 >/dev/null 2>&1 && break
  sleep 0.2
done
./target/release/netgauge --config.file="$work/netgauge.yml" --web.listen-address="$web" --log.level=error &
ng_pid=$!
for _ in $(seq 100); do curl -sf -o /dev/null "http://$web/-/healthy" && break; sleep 0.1; done

ms() { date +%s%N; }
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
requests() {
  curl -sf "http://$web/metrics/exporter" |
    awk -v d="$1" '$1 == "netgauge_snmp_requests_total{device=\"" d "\"}" {print $2}'
}
scrape() { curl -sf -o "$work/$1.txt" "http://$web/probe?target=$1"; }

echo "snmpsim $("$venv/bin/pip" show snmpsim 2>/dev/null | awk '/^Version/{print $2}'), max-repetitions 50, walk concurrency 4, $runs warm runs each, alternating; off: {$off}"
printf '%-34s %12s %12s %14s %14s %12s %12s\n' recording series series+ requests requests+ "wall ms" "wall+ ms"
for name in "${names[@]}"; do
  # snmpsim indexes a recording on first use: one scrape of the other
  # target first, so the cold figures are netgauge's first walk, not that.
  scrape "$name-off"
  cold=""
  for t in "$name" "$name-off"; do
    r0=$(requests "$t"); t0=$(ms); scrape "$t"; t1=$(ms); r1=$(requests "$t")
    cold="$cold $t: $((${r1%.*} - ${r0:-0})) requests, $(((t1 - t0) / 1000000)) ms;"
  done
  # Warm-up: netgauge's caches fill.
  scrape "$name"; scrape "$name-off"
  on_t=(); off_t=(); on_r=(); off_r=()
  for _ in $(seq "$runs"); do
    for t in "$name-off" "$name"; do
      r0=$(requests "$t"); t0=$(ms); scrape "$t"; t1=$(ms); r1=$(requests "$t")
      if [ "$t" = "$name" ]; then
        on_t+=($(((t1 - t0) / 1000000))); on_r+=($((${r1%.*} - ${r0%.*})))
      else
        off_t+=($(((t1 - t0) / 1000000))); off_r+=($((${r1%.*} - ${r0%.*})))
      fi
    done
  done
  on_s=$(grep -vc '^#' "$work/$name.txt"); off_s=$(grep -vc '^#' "$work/$name-off.txt")
  printf '%-34s %12s %12s %14s %14s %12s %12s\n' "$name" "$off_s" "$on_s" \
    "$(median "${off_r[@]}")" "$(median "${on_r[@]}")" "$(median "${off_t[@]}")" "$(median "${on_t[@]}")"
  echo "    cold (first scrape):$cold interfaces: $(grep -c '^netgauge_interface_info' "$work/$name.txt")"
  families() { grep -v '^#' "$1" | sed 's/[{ ].*//' | sort | uniq -c | awk '{print $2, $1}'; }
  echo "    added series: $(join -a1 -e0 -o 0,1.2,2.2 <(families "$work/$name.txt") <(families "$work/$name-off.txt") |
    awk '$2 != $3 {printf "%s %+d, ", $1, $2 - $3}')"
done
echo "(series / requests / wall: without optics and BGP; with them: +)"
