#!/usr/bin/env bash
# SSH collector: scrape latency with a cold login vs a warm (reused) session,
# and logins per scrape. A real OpenSSH sshd on loopback runs
# tests/fixtures/fake-cli.py as the device (Cisco IOS captures).
#
#   scripts/bench-ssh.sh [scrapes=30]
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
n=${1:-30}
work=$(mktemp -d)
cleanup() {
  [ -n "${ng_pid:-}" ] && kill "$ng_pid" 2>/dev/null || true
  [ -n "${sshd_pid:-}" ] && kill "$sshd_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
cargo build --release --locked -q
mkdir -p "$work/control" /run/sshd
cp tests/fixtures/cli/cisco_ios/show_version/cisco_ios_show_version.raw "$work/control/version"
cp tests/fixtures/cli/cisco_ios/show_interfaces/cisco_ios_show_interfaces.raw "$work/control/interfaces"
ssh-keygen -q -t ed25519 -N '' -f "$work/host_key"
ssh-keygen -q -t ed25519 -N '' -f "$work/client_key"
cp "$work/client_key.pub" "$work/authorized_keys"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$work/sshd_config" <<CONF
Port $port
ListenAddress 127.0.0.1
HostKey $work/host_key
PidFile $work/sshd.pid
AuthorizedKeysFile $work/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
UsePAM no
StrictModes no
PrintMotd no
ForceCommand /usr/bin/python3 $PWD/tests/fixtures/fake-cli.py cisco_ios $work/control
CONF
/usr/sbin/sshd -D -e -f "$work/sshd_config" 2>/dev/null &
sshd_pid=$!
echo "[127.0.0.1]:$port $(cat "$work/host_key.pub")" > "$work/known_hosts"
cat > "$work/netgauge.yml" <<CONF
targets:
  - name: ios
    address: 127.0.0.1
    ssh: {platform: cisco_ios, port: $port, username: $(id -un), key_file: $work/client_key, known_hosts: $work/known_hosts}
CONF
./target/release/netgauge --config.file="$work/netgauge.yml" --web.listen-address=127.0.0.1:19743 --web.enable-lifecycle --log.level=warn &
ng_pid=$!
sleep 0.5
ms() { date +%s%N; }
scrape() { curl -sf -o /dev/null 'http://127.0.0.1:19743/probe?target=ios'; }
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
cold=(); warm=()
for _ in $(seq 5); do
  # A reload builds a new poller: its first scrape logs in again.
  curl -sf -X POST -o /dev/null http://127.0.0.1:19743/-/reload
  t0=$(ms); scrape; t1=$(ms); cold+=($(( (t1 - t0) / 1000000 )))
  for _ in $(seq $((n / 5))); do t0=$(ms); scrape; t1=$(ms); warm+=($(( (t1 - t0) / 1000000 ))); done
done
logins=$(curl -s http://127.0.0.1:19743/metrics/exporter | awk '/^netgauge_cli_logins_total/ {print $2}')
scrapes=$(( 5 + ${#warm[@]} ))
echo "cold scrape (handshake + login + 2 commands): median $(median "${cold[@]}") ms (runs: ${cold[*]})"
echo "warm scrape (reused session, 2 commands):     median $(median "${warm[@]}") ms over ${#warm[@]} scrapes"
echo "logins: $logins for $scrapes scrapes"
