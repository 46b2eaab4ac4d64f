//! Integration tests against real peers: net-snmp's snmpd, snmpsim playing
//! recordings of real devices, FRRouting, lldpd, promtool, and the netgauge
//! binary itself.

mod bgp;
mod caching;
mod chatops;
mod cli;
mod coalescing;
mod compat;
mod fake_agent;
mod harness;
mod misbehaving;
mod monitoring;
mod packaging;
mod prometheus;
mod reload;
mod slack;
mod snmpd;
mod snmpsim;
mod ssh;
mod topology;
mod traps;
mod web;
