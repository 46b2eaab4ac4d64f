//! Collectors: the code that talks to devices. Each fills a
//! [`crate::report::DeviceReport`]; none knows about metric names.

pub mod cache;
pub mod cli;
pub mod ifname;
pub mod snmp;
pub mod transceivers;
