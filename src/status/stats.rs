//! `keepalived.stats`: the counters in keepalived 2.2.7's text layout, one block per
//! instance (SIGUSR2; STATS_CLEAR writes the same and then clears the counters).

use std::io::{self, Write};

use super::InstanceStatus;

/// Write one instance's block.
pub fn write_instance<W: Write>(st: &InstanceStatus<'_>, out: &mut W) -> io::Result<()> {
    let c = &st.stats;
    writeln!(out, "VRRP Instance: {}", st.iname)?;
    writeln!(out, "  Advertisements:")?;
    writeln!(out, "    Received: {}", c.advert_rcvd)?;
    writeln!(out, "    Sent: {}", c.advert_sent)?;
    writeln!(out, "  Became master: {}", c.become_master)?;
    writeln!(out, "  Released master: {}", c.release_master)?;
    writeln!(out, "  Packet Errors:")?;
    writeln!(out, "    Length: {}", c.packet_len_err)?;
    writeln!(out, "    TTL: {}", c.ip_ttl_err)?;
    writeln!(out, "    Invalid Type: {}", c.invalid_type_rcvd)?;
    writeln!(out, "    Advertisement Interval: {}", c.advert_interval_err)?;
    writeln!(out, "    Address List: {}", c.addr_list_err)?;
    writeln!(out, "  Authentication Errors:")?;
    writeln!(out, "    Invalid Type: {}", c.invalid_authtype)?;
    writeln!(out, "    Type Mismatch: {}", c.authtype_mismatch)?;
    writeln!(out, "    Failure: {}", c.auth_failure)?;
    writeln!(out, "  Priority Zero:")?;
    writeln!(out, "    Received: {}", c.pri_zero_rcvd)?;
    writeln!(out, "    Sent: {}", c.pri_zero_sent)
}
