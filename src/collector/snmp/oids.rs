//! The OIDs netgauge reads, with the MIB names they come from.

pub const SYS_DESCR: &[u32] = &[1, 3, 6, 1, 2, 1, 1, 1, 0];
pub const SYS_OBJECT_ID: &[u32] = &[1, 3, 6, 1, 2, 1, 1, 2, 0];
pub const SYS_UPTIME: &[u32] = &[1, 3, 6, 1, 2, 1, 1, 3, 0];
pub const SYS_NAME: &[u32] = &[1, 3, 6, 1, 2, 1, 1, 5, 0];
/// SNMP-FRAMEWORK-MIB snmpEngineTime: seconds, so it does not wrap after
/// 497 days the way sysUpTime's hundredths do.
pub const SNMP_ENGINE_TIME: &[u32] = &[1, 3, 6, 1, 6, 3, 10, 2, 1, 3, 0];
/// entLastChangeTime: when ENTITY-MIB's physical table last changed.
pub const ENT_LAST_CHANGE_TIME: &[u32] = &[1, 3, 6, 1, 2, 1, 47, 1, 4, 1, 0];
/// lldpStatsRemTablesLastChangeTime: when a neighbor came, went or changed.
/// lldpLocChassisIdSubtype.0 and lldpLocChassisId.0: what the device
/// sends its neighbors as its own chassis id.
pub const LLDP_LOC_CHASSIS_ID_SUBTYPE: &[u32] = &[1, 0, 8802, 1, 1, 2, 1, 3, 1, 0];
pub const LLDP_LOC_CHASSIS_ID: &[u32] = &[1, 0, 8802, 1, 1, 2, 1, 3, 2, 0];
pub const LLDP_REM_LAST_CHANGE: &[u32] = &[1, 0, 8802, 1, 1, 2, 1, 2, 1, 0];

/// IF-MIB ifEntry.
pub const IF_ENTRY: &[u32] = &[1, 3, 6, 1, 2, 1, 2, 2, 1];
/// IF-MIB ifXEntry.
pub const IFX_ENTRY: &[u32] = &[1, 3, 6, 1, 2, 1, 31, 1, 1, 1];

/// Declares the walked columns once: the enum, the list of all of them,
/// and where each lives.
macro_rules! columns {
    ($($name:ident = ($entry:ident, $col:literal)),* $(,)?) => {
        /// A table column netgauge walks.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Column {
            $($name),*
        }

        impl Column {
            pub const ALL: &'static [Column] = &[$(Column::$name),*];

            /// (table entry, column number)
            pub fn location(self) -> (&'static [u32], u32) {
                match self {
                    $(Column::$name => ($entry, $col)),*
                }
            }
        }
    };
}

columns! {
    IfDescr = (IF_ENTRY, 2),
    IfType = (IF_ENTRY, 3),
    IfMtu = (IF_ENTRY, 4),
    IfSpeed = (IF_ENTRY, 5),
    IfPhysAddress = (IF_ENTRY, 6),
    IfAdminStatus = (IF_ENTRY, 7),
    IfOperStatus = (IF_ENTRY, 8),
    IfLastChange = (IF_ENTRY, 9),
    IfInOctets = (IF_ENTRY, 10),
    IfInUcastPkts = (IF_ENTRY, 11),
    IfInNUcastPkts = (IF_ENTRY, 12),
    IfInDiscards = (IF_ENTRY, 13),
    IfInErrors = (IF_ENTRY, 14),
    IfOutOctets = (IF_ENTRY, 16),
    IfOutUcastPkts = (IF_ENTRY, 17),
    IfOutNUcastPkts = (IF_ENTRY, 18),
    IfOutDiscards = (IF_ENTRY, 19),
    IfOutErrors = (IF_ENTRY, 20),
    IfName = (IFX_ENTRY, 1),
    IfInMulticastPkts = (IFX_ENTRY, 2),
    IfInBroadcastPkts = (IFX_ENTRY, 3),
    IfOutMulticastPkts = (IFX_ENTRY, 4),
    IfOutBroadcastPkts = (IFX_ENTRY, 5),
    IfHCInOctets = (IFX_ENTRY, 6),
    IfHCInUcastPkts = (IFX_ENTRY, 7),
    IfHCInMulticastPkts = (IFX_ENTRY, 8),
    IfHCInBroadcastPkts = (IFX_ENTRY, 9),
    IfHCOutOctets = (IFX_ENTRY, 10),
    IfHCOutUcastPkts = (IFX_ENTRY, 11),
    IfHCOutMulticastPkts = (IFX_ENTRY, 12),
    IfHCOutBroadcastPkts = (IFX_ENTRY, 13),
    IfHighSpeed = (IFX_ENTRY, 15),
    IfAlias = (IFX_ENTRY, 18),
}

impl Column {
    pub fn oid(self) -> Vec<u32> {
        let (entry, col) = self.location();
        let mut o = entry.to_vec();
        o.push(col);
        o
    }

    /// Counter64 columns, which SNMPv1 cannot carry.
    pub fn is_64bit(self) -> bool {
        use Column::*;
        matches!(
            self,
            IfHCInOctets
                | IfHCInUcastPkts
                | IfHCInMulticastPkts
                | IfHCInBroadcastPkts
                | IfHCOutOctets
                | IfHCOutUcastPkts
                | IfHCOutMulticastPkts
                | IfHCOutBroadcastPkts
        )
    }
}
