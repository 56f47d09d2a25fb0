//! `keepalived.data`: a readable dump of each instance's configuration and state (SIGUSR1).
//! keepalived calls this format unstable; ours keeps its headings and `key = value` style.

use std::io::{self, Write};

use super::{state_name, InstanceStatus, VipText};

/// Write one instance's block.
pub fn write_instance<W: Write>(st: &InstanceStatus<'_>, out: &mut W) -> io::Result<()> {
    writeln!(out, " VRRP Instance = {}", st.iname)?;
    writeln!(out, "   VRRP Version = {}", st.version)?;
    writeln!(out, "   State = {}", state_name(st.state))?;
    writeln!(out, "   Wantstate = {}", state_name(st.wantstate))?;
    if let Some(ifname) = st.ifname {
        writeln!(out, "   Interface = {ifname}")?;
    }
    writeln!(out, "   Virtual Router ID = {}", st.vrid)?;
    writeln!(out, "   Priority = {}", st.base_priority)?;
    writeln!(out, "   Effective priority = {}", st.effective_priority)?;
    writeln!(out, "   Master priority = {}", st.master_priority)?;
    writeln!(out, "   Advert interval = {}sec", st.adver_int_s)?;
    writeln!(
        out,
        "   Master advert interval = {}sec",
        st.master_adver_int_s
    )?;
    writeln!(
        out,
        "   Preempt = {}",
        if st.nopreempt { "disabled" } else { "enabled" }
    )?;
    writeln!(out, "   Preempt delay = {} secs", st.preempt_delay_s)?;
    writeln!(
        out,
        "   Send advert after receive lower priority advert = {}",
        !st.lower_prio_no_advert
    )?;
    writeln!(
        out,
        "   Send advert after receive higher priority advert = {}",
        st.higher_prio_send_advert
    )?;
    writeln!(out, "   Gratuitous ARP delay = {}", st.garp_delay_s)?;
    writeln!(out, "   Gratuitous ARP repeat = {}", st.garp_rep)?;
    writeln!(out, "   Gratuitous ARP refresh = {}", st.garp_refresh_s)?;
    writeln!(
        out,
        "   Gratuitous ARP refresh repeat = {}",
        st.garp_refresh_rep
    )?;
    let auth = match st.auth_type {
        1 => "PASS",
        2 => "AH",
        _ => "none",
    };
    writeln!(out, "   Authentication type = {auth}")?;
    writeln!(
        out,
        "   Split brain seen = {} ({} times)",
        st.split_brain, st.split_brain_count
    )?;
    if !st.vips.is_empty() {
        writeln!(out, "   Virtual IP ({}):", st.vips.len())?;
        for vip in st.vips {
            writeln!(
                out,
                "     {}",
                VipText {
                    vip,
                    default_dev: st.default_dev,
                    set: st.vipset
                }
            )?;
        }
    }
    if !st.evips.is_empty() {
        writeln!(out, "   Virtual IP Excluded ({}):", st.evips.len())?;
        for vip in st.evips {
            writeln!(
                out,
                "     {}",
                VipText {
                    vip,
                    default_dev: st.default_dev,
                    set: st.vipset
                }
            )?;
        }
    }
    for name in st.track_script {
        writeln!(out, "   Tracked script = {name}")?;
    }
    for name in st.track_ifp {
        writeln!(out, "   Tracked interface = {name}")?;
    }
    Ok(())
}
