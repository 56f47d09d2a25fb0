//! Per-instance runtime state: the state, the wanted state, the effective priority, every
//! deadline as a plain field, the stats counters, the AH sequence number and the IP ID.

use core::net::IpAddr;

use crate::time::{Duration, Instant};

/// keepalived's state numbers (JSON `state`/`wantstate`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[repr(u8)]
pub enum State {
    #[default]
    Init = 0,
    Backup = 1,
    Master = 2,
    Fault = 3,
}

/// keepalived's per-instance counters (JSON `stats`, `.stats` file), plus our own.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    pub advert_rcvd: u64,
    pub advert_sent: u64,
    pub become_master: u64,
    pub release_master: u64,
    pub packet_len_err: u64,
    pub advert_interval_err: u64,
    pub ip_ttl_err: u64,
    pub invalid_type_rcvd: u64,
    pub addr_list_err: u64,
    pub invalid_authtype: u64,
    pub authtype_mismatch: u64,
    pub auth_failure: u64,
    pub pri_zero_rcvd: u64,
    pub pri_zero_sent: u64,
    // Not in keepalived's JSON, counted anyway (every rejection has a counter).
    pub version_err: u64,
    pub checksum_err: u64,
    pub unicast_src_err: u64,
    /// Adverts heard from another master while master (split brain).
    pub split_brain: u64,
}

impl Stats {
    /// The counters keepalived's JSON/.stats show (`crate::status`).
    pub fn counters(&self) -> crate::status::Counters {
        crate::status::Counters {
            advert_rcvd: self.advert_rcvd,
            advert_sent: self.advert_sent,
            become_master: self.become_master,
            release_master: self.release_master,
            packet_len_err: self.packet_len_err,
            advert_interval_err: self.advert_interval_err,
            ip_ttl_err: self.ip_ttl_err,
            invalid_type_rcvd: self.invalid_type_rcvd,
            addr_list_err: self.addr_list_err,
            invalid_authtype: self.invalid_authtype,
            authtype_mismatch: self.authtype_mismatch,
            auth_failure: self.auth_failure,
            pri_zero_rcvd: self.pri_zero_rcvd,
            pri_zero_sent: self.pri_zero_sent,
            checksum_err: self.checksum_err,
            version_err: self.version_err,
            unicast_src_err: self.unicast_src_err,
        }
    }
}

/// Runtime state of one `vrrp_instance`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct InstanceRt {
    pub state: State,
    pub wantstate: State,
    /// Base priority at run time (254 after an owner clash).
    pub base_priority: u8,
    pub effective_priority: u8,
    /// The interval adverts are expected at (v3: adopted from the master).
    pub master_adver_int: Duration,
    /// Backup: master-down timer; `down_armed_at` is when it was (re)armed.
    pub master_down_at: Option<Instant>,
    pub down_armed_at: Instant,
    /// Master: next advert.
    pub advert_at: Option<Instant>,
    /// Preemption allowed only after this (preempt_delay).
    pub preempt_delay_until: Option<Instant>,
    /// Master: second GARP burst after garp_master_delay.
    pub garp2_at: Option<Instant>,
    /// Master: periodic refresh.
    pub garp_refresh_at: Option<Instant>,
    /// Master: delayed second lower-priority burst.
    pub garp_lower_at: Option<Instant>,
    /// Last master heard (backup) and its priority.
    pub master_addr: Option<IpAddr>,
    pub master_priority: u8,
    /// Split brain seen while master; last time it was logged.
    pub split_brain: bool,
    pub split_brain_logged_at: Option<Instant>,
    /// Last time a dropped advert was logged, per [`super::rx_check::Reject`] reason: a flood
    /// of bad packets is counted in full but logged at most once per second per reason.
    pub reject_logged_at: [Option<Instant>; super::rx_check::REJECT_REASONS],
    /// Last time a foreign ARP claim for one of our VIPs was logged (throttled like the above,
    /// separately so that neither report hides the other).
    pub split_brain_arp_logged_at: Option<Instant>,
    pub stats: Stats,
    /// AH sequence number: the last one sent or accepted (keepalived's single counter).
    pub ah_seq: u32,
    pub ip_id: u16,
    /// Why the last transition happened.
    pub last_reason: Option<super::Reason>,
    /// Monotonic time of the last transition (the daemon converts to wall time for JSON).
    pub last_transition: Instant,
    /// VIPs are set (JSON `vipset`).
    pub vipset: bool,
    /// A tracker makes the instance FAULT.
    pub faulted: bool,
    /// An unweighted tracker has not reported yet: no MASTER.
    pub pending: bool,
}

impl InstanceRt {
    /// Next IPv4 identification: incremented per advert, never 0.
    pub fn next_ip_id(&mut self) -> u16 {
        self.ip_id = self.ip_id.wrapping_add(1);
        if self.ip_id == 0 {
            self.ip_id = 1;
        }
        self.ip_id
    }

    /// Earliest deadline of this instance.
    pub fn next_deadline(&self) -> Option<Instant> {
        [
            self.master_down_at,
            self.advert_at,
            self.garp2_at,
            self.garp_refresh_at,
            self.garp_lower_at,
        ]
        .into_iter()
        .flatten()
        .min()
    }
}

/// Skew_Time in µs (RFC 3768 §6.1, RFC 5798 §6.1), floored like keepalived's integer macros:
/// v2 (256 − p)/256 s, v3 (256 − p) × Master_Adver_Interval / 256.
pub fn skew_time(version: u8, priority: u8, master_adver_int: Duration) -> Duration {
    let p = 256 - priority as u64;
    if version == 3 {
        Duration::from_micros(p * master_adver_int.as_micros() / 256)
    } else {
        Duration::from_micros(p * 1_000_000 / 256)
    }
}

/// Master_Down_Interval = down_timer_adverts × Master_Adver_Interval + Skew_Time.
pub fn master_down_interval(
    version: u8,
    priority: u8,
    master_adver_int: Duration,
    down_timer_adverts: u8,
) -> Duration {
    master_adver_int.mul(down_timer_adverts.max(1) as u64)
        + skew_time(version, priority, master_adver_int)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_to_the_microsecond() {
        let s = Duration::from_secs(1);
        assert_eq!(master_down_interval(2, 100, s, 3).as_micros(), 3_609_375);
        assert_eq!(master_down_interval(2, 102, s, 3).as_micros(), 3_601_562);
        assert_eq!(skew_time(2, 102, s).as_micros(), 601_562);
        let cs = Duration::from_centis(50);
        assert_eq!(
            master_down_interval(3, 100, cs, 3).as_micros(),
            1_500_000 + 304_687
        );
        assert_eq!(skew_time(3, 255, cs).as_micros(), 1953);
    }

    #[test]
    fn ip_id_never_zero() {
        let mut r = InstanceRt {
            ip_id: u16::MAX,
            ..Default::default()
        };
        assert_eq!(r.next_ip_id(), 1);
    }
}
