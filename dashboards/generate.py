#!/usr/bin/env python3
"""Generates netgauge's Grafana dashboards (Grafana 10+ JSON model).

The five dashboards share variables, selectors and query shapes
(common.py); writing them from one script keeps them consistent. Edit
these files, then run

    python3 dashboards/generate.py          # rewrite dashboards/*.json
    python3 dashboards/generate.py --check  # exit 1 if a JSON file is stale

The test suite runs --check, and runs every panel query against a real
Prometheus scraping netgauge.
"""

import json
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ beside the dashboards

from common import (GREEN_RED, ISEL, RED_GREEN, SEL, Board, both_directions, interface_utilisation,  # noqa: E402
                    rate_guarded, rx_margin, target, var_datasource, var_query, variables)
from topology import hardware_changed, inventory_table, neighbors_table, topology  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def fleet():
    b = Board("netgauge-fleet", "netgauge / Fleet overview",
              "Every device netgauge polls: what is down, what is busy, what is erroring.", variables())
    b.add("stat", "Devices up", [target(f"sum(netgauge_device_up{{{SEL}}})")], w=4, h=4,
          thresholds=[{"color": "green", "value": None}])
    b.add("stat", "Devices down", [target(f"count(netgauge_device_up{{{SEL}}} == 0) or vector(0)")], w=4, h=4,
          thresholds=GREEN_RED)
    b.add("stat", "Interfaces down (admin up)",
          [target(f"count((netgauge_interface_admin_up{{{SEL}}} == 1) and on (device, interface, instance, job) "
                  f"(netgauge_interface_oper_up{{{SEL}}} == 0)) or vector(0)")], w=4, h=4, thresholds=GREEN_RED)
    b.add("stat", "Interfaces monitored", [target(f"count(netgauge_interface_info{{{SEL}}}) or vector(0)")], w=4, h=4,
          thresholds=[{"color": "blue", "value": None}])
    b.add("stat", "Collectors failing", [target(f"count(netgauge_scrape_success{{{SEL}}} == 0) or vector(0)")], w=4, h=4,
          thresholds=GREEN_RED)
    b.add("stat", "Failed fans and power supplies",
          [target(f"count(netgauge_fan_up{{{SEL}}} == 0 or netgauge_power_supply_up{{{SEL}}} == 0) or vector(0)")],
          w=4, h=4, thresholds=GREEN_RED)
    b.add("stat", "Devices rebooted (24h)", [target(f"count(netgauge_device_uptime_seconds{{{SEL}}} < 86400) or vector(0)")],
          w=4, h=4, thresholds=[{"color": "green", "value": None}, {"color": "orange", "value": 1}])
    b.row("Reachability")
    b.add("table", "Devices down", [target(f"netgauge_device_up{{{SEL}}} == 0", instant=True)], w=12, h=8,
          transformations=[{"id": "organize", "options": {"excludeByName": {"Time": True, "Value": True, "__name__": True}}}])
    b.add("table", "Interfaces down (admin up, oper down)",
          [target(f"(netgauge_interface_admin_up{{{SEL}}} == 1) and on (device, interface, instance, job) "
                  f"(netgauge_interface_oper_up{{{SEL}}} == 0)", instant=True)], w=12, h=8,
          transformations=[{"id": "organize", "options": {"excludeByName": {"Time": True, "Value": True, "__name__": True}}}])
    b.row("Hot spots")
    util = interface_utilisation(SEL)
    b.add("table", "Top 10 interfaces by utilisation", [target(f"topk(10, {util})", instant=True)], w=8, h=9, unit="percentunit",
          transformations=[{"id": "organize", "options": {"excludeByName": {"Time": True}}}],
          thresholds=[{"color": "green", "value": None}, {"color": "orange", "value": 0.7}, {"color": "red", "value": 0.9}])
    err = f"topk(10, {both_directions('errors', SEL)})"
    b.add("table", "Top 10 interfaces by errors/s", [target(err, instant=True)], w=8, h=9, unit="pps",
          transformations=[{"id": "organize", "options": {"excludeByName": {"Time": True}}}])
    disc = f"topk(10, {both_directions('discards', SEL)})"
    b.add("table", "Top 10 interfaces by discards/s", [target(disc, instant=True)], w=8, h=9, unit="pps",
          transformations=[{"id": "organize", "options": {"excludeByName": {"Time": True}}}])
    b.add("timeseries", "Traffic of the 10 busiest interfaces",
          [target(f"topk(10, {rate_guarded('netgauge_interface_receive_bytes_total', SEL)})", "{{device}} {{interface}} in"),
           target(f"topk(10, {rate_guarded('netgauge_interface_transmit_bytes_total', SEL)})", "{{device}} {{interface}} out")],
          w=24, h=9, unit="bps")
    b.row("BGP")
    bgp_down = (f"(netgauge_bgp_peer_up{{{SEL}}} == 0) unless on (device, peer, vrf, instance, job) "
                f"(netgauge_bgp_peer_admin_up{{{SEL}}} == 0)")
    b.add("stat", "BGP peers not established", [target(f"count({bgp_down}) or vector(0)")], w=4, h=8,
          thresholds=GREEN_RED, description="Admin-enabled BGP sessions that are not established (NetgaugeBgpPeerDown after 2m).")
    b.add("table", "BGP peers not established", [target(bgp_down, instant=True), target(f"netgauge_bgp_peer_state{{{SEL}}}", instant=True)],
          w=20, h=8,
          transformations=[
              {"id": "merge", "options": {}},
              {"id": "filterByValue", "options": {"filters": [{"fieldName": "Value #A", "config": {"id": "isNotNull"}}],
                                                   "type": "include", "match": "all"}},
              {"id": "organize", "options": {"excludeByName": {"Time": True, "Value #A": True, "__name__": True, "job": True,
                                                               "instance": True},
                                             "renameByName": {"Value #B": "state"}}}],
          mappings=[{"type": "value", "options": {"1": {"text": "idle"}, "2": {"text": "connect"}, "3": {"text": "active"},
                                                  "4": {"text": "opensent"}, "5": {"text": "openconfirm"},
                                                  "6": {"text": "established"}}}])
    b.row("Optics")
    b.add("table", "Worst receive margin (dBm above the module's low warning)",
          [target(f"bottomk(15, {rx_margin(SEL)})", instant=True)], w=12, h=9, unit="dB",
          description="Received light minus the module's own low-warning threshold, worst lane, lowest first. "
                      "Below 0: NetgaugeTransceiverReceivePowerLow (on links that are up). A configured "
                      "transceiver_receive_power_low_dbm replaces the module's limit in the alert, not here.",
          transformations=[{"id": "organize", "options": {"excludeByName": {"Time": True, "job": True, "instance": True},
                                                          "renameByName": {"Value": "margin"}}}],
          thresholds=[{"color": "red", "value": None}, {"color": "orange", "value": 0}, {"color": "green", "value": 3}])
    b.add("table", "Hottest optics",
          [target(f"topk(15, max by (device, interface) (netgauge_transceiver_temperature_celsius{{{SEL}}}))", instant=True)],
          w=12, h=9, unit="celsius",
          transformations=[{"id": "organize", "options": {"excludeByName": {"Time": True},
                                                          "renameByName": {"Value": "temperature"}}}])
    b.row("Traps")
    b.add("timeseries", "Traps received per second, by trap",
          [target(f"sum by (trap) (rate(netgauge_traps_received_total{{{SEL}}}[$__rate_interval]))", "{{trap}}")],
          w=12, h=8, unit="ops", description="SNMP notifications netgauge accepted (README, \"Traps\"); other: no trap definition matched.")
    b.add("table", "Last trap per device",
          [target(f"sort_desc(netgauge_trap_last_received_timestamp_seconds{{{SEL}}} * 1000)", instant=True)],
          w=6, h=8, unit="dateTimeAsIso",
          transformations=[{"id": "organize", "options": {"excludeByName": {"Time": True, "__name__": True, "job": True,
                                                                            "instance": True},
                                                          "renameByName": {"Value": "last trap"}}}])
    b.add("timeseries", "Traps dropped per second, by reason",
          [target('sum by (reason) (rate(netgauge_traps_dropped_total{job=~"$job", instance=~"$instance"}[$__rate_interval]))',
                  "{{reason}}")],
          w=6, h=8, unit="ops",
          description="unknown_source, auth_failure, decode_error, rate_limited: a rising line is a misconfigured or hostile sender.")
    b.row("Restarts and exporter")
    b.add("table", "Devices restarted in the last 24 h", [target(f"sort(netgauge_device_uptime_seconds{{{SEL}}} < 86400)", instant=True)],
          w=12, h=8, unit="s", transformations=[{"id": "organize", "options": {"excludeByName": {"Time": True, "__name__": True}}}])
    b.add("timeseries", "Poll duration per device (top 10)",
          [target(f"topk(10, sum by (device) (netgauge_scrape_duration_seconds{{{SEL}}}))", "{{device}}")], w=12, h=8, unit="s")
    return b


def device():
    b = Board("netgauge-device", "netgauge / Device",
              "One device: identity, health, every interface's status, traffic, errors and discards.",
              variables(device_multi=False, interface=True), annotations=[hardware_changed()])
    b.add("table", "Identity", [target(f"netgauge_device_info{{{SEL}}}", instant=True)], w=16, h=4,
          transformations=[{"id": "organize", "options": {"excludeByName": {"Time": True, "Value": True, "__name__": True,
                                                                            "job": True, "instance": True}}}])
    b.add("stat", "Up", [target(f"netgauge_device_up{{{SEL}}}")], w=4, h=4, thresholds=RED_GREEN,
          mappings=[{"type": "value", "options": {"0": {"text": "DOWN"}, "1": {"text": "UP"}}}])
    b.add("stat", "Uptime", [target(f"netgauge_device_uptime_seconds{{{SEL}}}")], w=4, h=4, unit="s",
          thresholds=[{"color": "orange", "value": None}, {"color": "green", "value": 86400}])
    b.row("Health")
    b.add("timeseries", "CPU", [target(f"netgauge_cpu_usage_ratio{{{SEL}}}", "{{cpu}}")], w=8, h=8, unit="percentunit")
    b.add("timeseries", "Memory used",
          [target(f"netgauge_memory_used_bytes{{{SEL}}} / (netgauge_memory_total_bytes{{{SEL}}} > 0)", "{{pool}}")],
          w=8, h=8, unit="percentunit")
    b.add("timeseries", "Temperature", [target(f"netgauge_temperature_celsius{{{SEL}}}", "{{sensor}}")], w=8, h=8, unit="celsius")
    b.add("state-timeline", "Fans and power supplies",
          [target(f"netgauge_fan_up{{{SEL}}}", "{{fan}}"), target(f"netgauge_power_supply_up{{{SEL}}}", "{{power_supply}}")],
          w=24, h=5)
    b.row("BGP")
    b.add("table", "BGP peers",
          [target(f"netgauge_bgp_peer_state{{{SEL}}}", instant=True),
           target(f"netgauge_bgp_peer_admin_up{{{SEL}}}", instant=True),
           target(f"netgauge_bgp_peer_established_seconds{{{SEL}}}", instant=True)],
          w=16, h=8,
          transformations=[
              {"id": "merge", "options": {}},
              {"id": "organize", "options": {
                  "excludeByName": {"Time": True, "__name__": True, "job": True, "instance": True, "device": True},
                  "renameByName": {"Value #A": "state", "Value #B": "admin up", "Value #C": "established for"}}}],
          overrides=[
              {"matcher": {"id": "byName", "options": "established for"}, "properties": [{"id": "unit", "value": "s"}]},
              {"matcher": {"id": "byName", "options": "state"}, "properties": [
                  {"id": "mappings", "value": [{"type": "value", "options": {
                      "1": {"text": "idle", "color": "red"}, "2": {"text": "connect", "color": "red"},
                      "3": {"text": "active", "color": "red"}, "4": {"text": "opensent", "color": "orange"},
                      "5": {"text": "openconfirm", "color": "orange"}, "6": {"text": "established", "color": "green"}}}]},
                  {"id": "custom.cellOptions", "value": {"type": "color-text"}}]}])
    b.add("state-timeline", "BGP sessions", [target(f"netgauge_bgp_peer_up{{{SEL}}}", "{{peer}} {{vrf}}")], w=8, h=8)
    b.add("timeseries", "BGP prefixes received",
          [target(f"netgauge_bgp_peer_prefixes_received{{{SEL}}}", "{{peer}} {{vrf}} {{afi}}/{{safi}} received"),
           target(f"netgauge_bgp_peer_prefixes_advertised{{{SEL}}}", "{{peer}} {{vrf}} {{afi}}/{{safi}} advertised")],
          w=24, h=8, unit="short",
          description="Prefixes per session and address family (over SNMP from the vendor tables: CISCO-BGP4-MIB, "
                      "Juniper BGP4-V2, Huawei; over the CLI from the summaries). A fall by more than "
                      "bgp_prefixes_drop_ratio is NetgaugeBgpPrefixesDropped.")
    b.row("Optics")
    b.add("table", "Transceivers",
          [target(f"netgauge_transceiver_info{{{SEL}}}", instant=True),
           target(f"min by (device, interface) (netgauge_transceiver_receive_power_dbm{{{SEL}}})", instant=True),
           target(f"min by (device, interface) (netgauge_transceiver_transmit_power_dbm{{{SEL}}})", instant=True),
           target(f"max by (device, interface) (netgauge_transceiver_temperature_celsius{{{SEL}}})", instant=True),
           target(rx_margin(SEL), instant=True)],
          w=24, h=9,
          description="Every optic with diagnostics: the worst lane's light, -40 dBm is no light. Margin: dBm above the "
                      "module's low-warning threshold.",
          transformations=[
              {"id": "merge", "options": {}},
              {"id": "organize", "options": {
                  "excludeByName": {"Time": True, "Value #A": True, "__name__": True, "job": True, "instance": True, "device": True},
                  "renameByName": {"Value #B": "receive dBm", "Value #C": "transmit dBm", "Value #D": "temperature",
                                   "Value #E": "receive margin dB"}}}],
          overrides=[
              {"matcher": {"id": "byName", "options": "temperature"}, "properties": [{"id": "unit", "value": "celsius"}]},
              {"matcher": {"id": "byName", "options": "receive margin dB"}, "properties": [
                  {"id": "thresholds", "value": {"mode": "absolute", "steps": [
                      {"color": "red", "value": None}, {"color": "orange", "value": 0}, {"color": "green", "value": 3}]}},
                  {"id": "custom.cellOptions", "value": {"type": "color-text"}}]}])
    b.add("timeseries", "Received light", [target(f"netgauge_transceiver_receive_power_dbm{{{ISEL}}}", "{{interface}} {{lane}}")],
          w=12, h=8, unit="dBm")
    b.add("timeseries", "Optic temperature",
          [target(f"netgauge_transceiver_temperature_celsius{{{ISEL}}}", "{{interface}}")], w=12, h=8, unit="celsius")
    b.row("Neighbors and inventory")
    neighbors_table(b, one_device=True)
    inventory_table(b, one_device=True)
    b.row("Traps")
    b.add("timeseries", "Traps received per second, by trap",
          [target(f"sum by (trap) (rate(netgauge_traps_received_total{{{SEL}}}[$__rate_interval]))", "{{trap}}")],
          w=16, h=6, unit="ops")
    b.add("stat", "Last trap", [target(f"netgauge_trap_last_received_timestamp_seconds{{{SEL}}} * 1000")], w=8, h=6,
          unit="dateTimeFromNow", thresholds=[{"color": "blue", "value": None}])
    b.row("Interfaces")
    status_q = [
        target(f"netgauge_interface_info{{{ISEL}}}", instant=True),
        target(f"netgauge_interface_admin_up{{{ISEL}}}", instant=True),
        target(f"netgauge_interface_oper_up{{{ISEL}}}", instant=True),
        target(f"netgauge_interface_speed_bytes{{{ISEL}}} * 8", instant=True),
        target(f"time() - netgauge_interface_last_change_seconds{{{ISEL}}}", instant=True),
    ]
    b.add("table", "Interface status", status_q, w=24, h=10,
          transformations=[
              {"id": "merge", "options": {}},
              {"id": "organize", "options": {
                  "excludeByName": {"Time": True, "Value #A": True, "job": True, "instance": True, "device": True, "mac": True, "__name__": True},
                  "renameByName": {"Value #B": "admin up", "Value #C": "oper up", "Value #D": "speed", "Value #E": "since last change"}}}],
          overrides=[
              {"matcher": {"id": "byName", "options": "speed"}, "properties": [{"id": "unit", "value": "bps"}]},
              {"matcher": {"id": "byName", "options": "since last change"}, "properties": [{"id": "unit", "value": "s"}]},
              {"matcher": {"id": "byRegexp", "options": "admin up|oper up"}, "properties": [
                  {"id": "mappings", "value": [{"type": "value", "options": {"0": {"text": "down", "color": "red"},
                                                                              "1": {"text": "up", "color": "green"}}}]},
                  {"id": "custom.cellOptions", "value": {"type": "color-text"}}]}])
    b.add("timeseries", "Traffic in (bits/s)", [target(rate_guarded("netgauge_interface_receive_bytes_total", ISEL), "{{interface}}")],
          w=12, h=8, unit="bps")
    b.add("timeseries", "Traffic out (bits/s)", [target(rate_guarded("netgauge_interface_transmit_bytes_total", ISEL), "{{interface}}")],
          w=12, h=8, unit="bps")
    b.add("timeseries", "Errors (packets/s)",
          [target(f"rate(netgauge_interface_receive_errors_total{{{ISEL}}}[$__rate_interval])", "{{interface}} in"),
           target(f"rate(netgauge_interface_transmit_errors_total{{{ISEL}}}[$__rate_interval])", "{{interface}} out")],
          w=12, h=8, unit="pps")
    b.add("timeseries", "Discards (packets/s)",
          [target(f"rate(netgauge_interface_receive_discards_total{{{ISEL}}}[$__rate_interval])", "{{interface}} in"),
           target(f"rate(netgauge_interface_transmit_discards_total{{{ISEL}}}[$__rate_interval])", "{{interface}} out")],
          w=12, h=8, unit="pps")
    return b


def interface():
    b = Board("netgauge-interface", "netgauge / Interface",
              "One interface: traffic, utilisation, packets, errors, discards and status history.",
              variables(device_multi=False, interface=True, interface_multi=False))
    b.add("table", "Interface", [target(f"netgauge_interface_info{{{ISEL}}}", instant=True)], w=12, h=4,
          transformations=[{"id": "organize", "options": {"excludeByName": {"Time": True, "Value": True, "__name__": True,
                                                                            "job": True, "instance": True}}}])
    b.add("stat", "Status", [target(f"netgauge_interface_oper_up{{{ISEL}}}")], w=3, h=4, thresholds=RED_GREEN,
          mappings=[{"type": "value", "options": {"0": {"text": "DOWN"}, "1": {"text": "UP"}}}])
    b.add("stat", "Speed", [target(f"netgauge_interface_speed_bytes{{{ISEL}}} * 8")], w=3, h=4, unit="bps",
          thresholds=[{"color": "blue", "value": None}])
    b.add("stat", "MTU", [target(f"netgauge_interface_mtu_bytes{{{ISEL}}}")], w=3, h=4, unit="bytes",
          thresholds=[{"color": "blue", "value": None}])
    b.add("stat", "Last change", [target(f"time() - netgauge_interface_last_change_seconds{{{ISEL}}}")], w=3, h=4, unit="s",
          thresholds=[{"color": "orange", "value": None}, {"color": "green", "value": 3600}])
    b.add("timeseries", "Traffic (bits/s)",
          [target(rate_guarded("netgauge_interface_receive_bytes_total", ISEL), "in"),
           target(rate_guarded("netgauge_interface_transmit_bytes_total", ISEL), "out")], w=12, h=8, unit="bps")
    b.add("timeseries", "Utilisation",
          [target(f"({rate_guarded('netgauge_interface_receive_bytes_total', ISEL)})\n/ on (device, interface, instance, job) "
                  f"(8 * netgauge_interface_speed_bytes{{{ISEL}}} > 0)", "in"),
           target(f"({rate_guarded('netgauge_interface_transmit_bytes_total', ISEL)})\n/ on (device, interface, instance, job) "
                  f"(8 * netgauge_interface_speed_bytes{{{ISEL}}} > 0)", "out")], w=12, h=8, unit="percentunit",
          thresholds=[{"color": "green", "value": None}, {"color": "orange", "value": 0.7}, {"color": "red", "value": 0.9}])
    b.add("timeseries", "Packets (packets/s)",
          [target(f"rate(netgauge_interface_receive_packets_total{{{ISEL}}}[$__rate_interval])", "in"),
           target(f"rate(netgauge_interface_transmit_packets_total{{{ISEL}}}[$__rate_interval])", "out")], w=12, h=8, unit="pps")
    b.add("timeseries", "Errors and discards (packets/s)",
          [target(f"rate(netgauge_interface_receive_errors_total{{{ISEL}}}[$__rate_interval])", "errors in"),
           target(f"rate(netgauge_interface_transmit_errors_total{{{ISEL}}}[$__rate_interval])", "errors out"),
           target(f"rate(netgauge_interface_receive_discards_total{{{ISEL}}}[$__rate_interval])", "discards in"),
           target(f"rate(netgauge_interface_transmit_discards_total{{{ISEL}}}[$__rate_interval])", "discards out")],
          w=12, h=8, unit="pps")
    b.add("timeseries", "Optical power (dBm) and the module's thresholds",
          [target(f"netgauge_transceiver_receive_power_dbm{{{ISEL}}}", "receive {{lane}}"),
           target(f"netgauge_transceiver_transmit_power_dbm{{{ISEL}}}", "transmit {{lane}}"),
           target(f'netgauge_transceiver_threshold{{{ISEL}, measure="receive_power_dbm", level=~"low_.*"}}', "receive {{level}}")],
          w=12, h=8, unit="dBm",
          description="-40 dBm is no light. Dashed: the module's own receive low-warning and low-alarm thresholds.",
          overrides=[{"matcher": {"id": "byRegexp", "options": "receive low_.*"}, "properties": [
              {"id": "custom.lineStyle", "value": {"fill": "dash", "dash": [10, 10]}}, {"id": "color", "value": {"mode": "fixed", "fixedColor": "red"}}]}])
    b.add("timeseries", "Optic temperature, bias and voltage",
          [target(f"netgauge_transceiver_temperature_celsius{{{ISEL}}}", "temperature °C"),
           target(f"netgauge_transceiver_bias_current_amperes{{{ISEL}}} * 1000", "bias mA {{lane}}"),
           target(f"netgauge_transceiver_supply_voltage_volts{{{ISEL}}}", "supply V")],
          w=12, h=8)
    b.add("state-timeline", "Status history",
          [target(f"netgauge_interface_admin_up{{{ISEL}}}", "admin"), target(f"netgauge_interface_oper_up{{{ISEL}}}", "oper")],
          w=24, h=5)
    return b


def exporter():
    j = 'job=~"$job"'
    b = Board("netgauge-exporter", "netgauge / Exporter health",
              "netgauge itself: poll durations and failures per device and collector, SNMP traffic, process.",
              [var_datasource(), var_query("job", "Job", "label_values(netgauge_build_info, job)"),
               var_query("device", "Device", 'label_values(netgauge_polls_total{job=~"$job"}, device)')])
    b.add("stat", "Config reload", [target(f"min(netgauge_config_last_reload_successful{{{j}}})")], w=4, h=4, thresholds=RED_GREEN,
          mappings=[{"type": "value", "options": {"0": {"text": "FAILED"}, "1": {"text": "OK"}}}])
    b.add("table", "Builds", [target(f"netgauge_build_info{{{j}}}", instant=True)], w=12, h=4,
          transformations=[{"id": "organize", "options": {"excludeByName": {"Time": True, "Value": True, "__name__": True}}}])
    b.add("stat", "Prometheus scrape time (max)", [target(f"max(scrape_duration_seconds{{{j}}})")], w=4, h=4, unit="s",
          thresholds=[{"color": "green", "value": None}, {"color": "orange", "value": 10}])
    b.add("stat", "Exporters up", [target(f'min(up{{{j}}})')], w=4, h=4, thresholds=RED_GREEN)
    b.add("timeseries", "Poll duration by device and collector",
          [target('netgauge_scrape_duration_seconds{job=~"$job", device=~"$device"}', "{{device}} {{collector}}")],
          w=12, h=8, unit="s")
    b.add("timeseries", "Poll failures by reason (per second)",
          [target(f'sum by (device, collector, reason) (rate(netgauge_poll_failures_total{{{j}, device=~"$device"}}[$__rate_interval]))',
                  "{{device}} {{collector}} {{reason}}")], w=12, h=8, unit="ops")
    b.add("timeseries", "Timeouts (per second)",
          [target(f'sum by (device) (rate(netgauge_poll_failures_total{{{j}, device=~"$device", reason="timeout"}}[$__rate_interval]))',
                  "{{device}}")], w=12, h=8, unit="ops")
    b.add("timeseries", "SNMP requests and retries (per second)",
          [target(f'sum(rate(netgauge_snmp_requests_total{{{j}, device=~"$device"}}[$__rate_interval]))', "requests"),
           target(f'sum(rate(netgauge_snmp_retries_total{{{j}, device=~"$device"}}[$__rate_interval]))', "retries")],
          w=12, h=8, unit="reqps")
    b.add("timeseries", "CLI logins, SSH and Telnet (per second; 0 in steady state)",
          [target(f'sum(rate(netgauge_cli_logins_total{{{j}, device=~"$device"}}[$__rate_interval])) or vector(0)', "logins")],
          w=12, h=8, unit="ops")
    b.add("timeseries", "CLI sessions open (SSH and Telnet, kept for reuse)",
          [target(f"sum(netgauge_cli_sessions_open{{{j}}})", "sessions")], w=12, h=8)
    b.add("table", "Agent anomalies worked around",
          [target(f'sum by (device, kind) (netgauge_snmp_anomalies_total{{{j}, device=~"$device"}})', instant=True)], w=12, h=8,
          transformations=[{"id": "organize", "options": {"excludeByName": {"Time": True}}}])
    b.add("timeseries", "Process CPU and memory",
          [target(f"rate(process_cpu_seconds_total{{{j}}}[$__rate_interval])", "{{instance}} CPU (cores)"),
           target(f"process_resident_memory_bytes{{{j}}} / 1024 / 1024", "{{instance}} RSS (MiB)")], w=12, h=8)
    b.add("timeseries", "HTTP requests (per second)",
          [target(f"sum by (handler, code) (rate(netgauge_http_requests_total{{{j}}}[$__rate_interval]))", "{{handler}} {{code}}")],
          w=24, h=8, unit="reqps")
    # The chat bot (chatops:): flat at 0 where it does not run.
    b.row("ChatOps bot")
    b.add("timeseries", "Chat commands by result (per second)",
          [target(f"sum by (result) (rate(netgauge_chatops_commands_total{{{j}}}[$__rate_interval])) or vector(0)", "{{result}}")],
          w=12, h=8, unit="ops")
    b.add("timeseries", "Refused and rate-limited commands (per second)",
          [target(f"sum(rate(netgauge_chatops_refused_total{{{j}}}[$__rate_interval])) or vector(0)", "refused"),
           target(f"sum(rate(netgauge_chatops_rate_limited_total{{{j}}}[$__rate_interval])) or vector(0)", "rate limited")],
          w=12, h=8, unit="ops")
    b.add("timeseries", "Telegram and Slack API requests by method and status (per second; 409: a second bot instance, 429: throttled)",
          [target(f"sum by (method, code) (rate(netgauge_chatops_telegram_requests_total{{{j}}}[$__rate_interval])) or vector(0)",
                  "telegram {{method}} {{code}}"),
           target(f"sum by (method, code) (rate(netgauge_chatops_slack_requests_total{{{j}}}[$__rate_interval])) or vector(0)",
                  "slack {{method}} {{code}}")],
          w=12, h=8, unit="reqps")
    b.add("table", "Chat commands by command and result (since start)",
          [target(f"sum by (command, result) (netgauge_chatops_commands_total{{{j}}}) or vector(0)", instant=True)], w=12, h=8,
          transformations=[{"id": "organize", "options": {"excludeByName": {"Time": True}}}])
    return b


def main():
    check = "--check" in sys.argv
    stale = []
    for board in (fleet(), device(), interface(), exporter(), topology()):
        path = os.path.join(HERE, board.uid.replace("netgauge-", "") + ".json")
        text = json.dumps(board.json(), indent=2, sort_keys=False) + "\n"
        if check:
            try:
                with open(path, encoding="utf-8") as f:
                    if f.read() != text:
                        stale.append(path)
            except FileNotFoundError:
                stale.append(path)
        else:
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
    if stale:
        print("stale, run python3 dashboards/generate.py:", *stale, sep="\n  ")
        sys.exit(1)


if __name__ == "__main__":
    main()
