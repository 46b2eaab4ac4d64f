#!/usr/bin/env bash
# Installs net-snmp's agent, starts a private one on 127.0.0.1:16100 with the
# credentials examples/netgauge-quickstart.yml uses, builds netgauge and runs
# it against that agent on http://127.0.0.1:9742/, in the foreground.
# Ctrl-C stops both. Honours CARGO_TARGET_DIR (default ./target).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if ! command -v cargo >/dev/null; then
  echo "netgauge needs a Rust toolchain (1.89 or newer): see https://rustup.rs" >&2
  exit 1
fi
if [ ! -x /usr/sbin/snmpd ]; then
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends snmpd snmp >/dev/null
fi

# The agent's scratch files live in cargo's target directory, wherever that is.
work="${CARGO_TARGET_DIR:-target}/quickstart"
mkdir -p "$work/persist"
work="$(cd "$work" && pwd)"
cat > "$work/snmpd.conf" <<CONF
[snmp] persistentDir $work/persist
rocommunity netgauge-quickstart 127.0.0.1
createUser netgauge SHA-256 "quickstart-auth" AES "quickstart-priv"
rouser netgauge priv
sysName netgauge-quickstart
sysLocation localhost
CONF
MIBS= MIBDIRS=/nonexistent /usr/sbin/snmpd -f -Lo -C -c "$work/snmpd.conf" udp:127.0.0.1:16100 >"$work/snmpd.log" 2>&1 &
snmpd_pid=$!
trap 'kill $snmpd_pid 2>/dev/null || true' EXIT

cargo build --release --locked
echo
echo "netgauge is starting on http://127.0.0.1:9742/ (targets: examples/netgauge-quickstart.yml)"
echo "open:  http://127.0.0.1:9742/                             the targets, with links to their probes"
echo "       http://127.0.0.1:9742/probe?target=localhost-v3    one device's series (SNMPv3)"
echo "       http://127.0.0.1:9742/metrics                      every device, and netgauge's own series"
echo "try:   curl -s 'http://127.0.0.1:9742/probe?target=localhost-v3' | head -40"
echo "Ctrl-C stops netgauge and the agent."
echo
# cargo run finds the binary built above wherever CARGO_TARGET_DIR points.
cargo run --release --locked --quiet --bin netgauge -- \
  --config.file=examples/netgauge-quickstart.yml --web.listen-address=127.0.0.1:9742
