//! Received adverts: keepalived's acceptance order (reference §B.4), each rejection mapped
//! 1:1 to a stats counter, then the rules of the instance's state (§B.2, RFC 3768/5798 §6.4).

use core::net::{IpAddr, Ipv4Addr};

use super::fsm::Reason;
use super::{Action, Actions, Core, NotifyState, State};
use crate::config::{Auth, Family};
use crate::logmsg::LogMsg;
use crate::time::{Duration, Instant};
use crate::wire::{self, ChecksumFlavour, ParseError, RxAdvert};

/// Why an advert was dropped; each maps to one counter of [`super::Stats`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reject {
    /// `packet_len_err`
    Length,
    /// `ip_ttl_err`
    Ttl,
    /// `version_err` (not in keepalived's JSON)
    Version,
    /// `invalid_authtype`
    InvalidAuthType,
    /// `authtype_mismatch`
    AuthTypeMismatch,
    /// `auth_failure`
    AuthFailure,
    /// `advert_interval_err`
    Interval,
    /// `invalid_type_rcvd`
    Type,
    /// `addr_list_err`
    AddrList,
    /// `checksum_err`
    Checksum,
    /// `addr_list_err` (multicast vs unicast, as keepalived counts it)
    Mode,
    /// `unicast_src_err`
    UnicastSrc,
}

impl Core {
    pub(super) fn on_parse_error(&mut self, _ifindex: u32, _bytes: &[u8], _e: ParseError) {
        // Not attributable to an instance (no VRID yet): keepalived counts nothing either.
    }

    fn find_instance(&self, ifindex: u32, rx: &RxAdvert<'_>) -> Option<usize> {
        let fam = if rx.src.is_ipv4() {
            Family::V4
        } else {
            Family::V6
        };
        (0..self.cfg.instances.len()).find(|&i| {
            let Some(c) = self.cfg.instances.get(i) else {
                return false;
            };
            c.vrid == rx.vrid
                && c.family == fam
                && (c.interface.is_none() || ifindex == 0 || self.ifindex_of(i) == ifindex)
        })
    }

    pub(super) fn on_advert(
        &mut self,
        now: Instant,
        ifindex: u32,
        rx: &RxAdvert<'_>,
        checksum_verified: bool,
        out: &mut Actions,
    ) {
        let Some(i) = self.find_instance(ifindex, rx) else {
            if self.cfg.global.log_unknown_vrids {
                out.push(Action::log(LogMsg::UnknownVrid {
                    vrid: rx.vrid,
                    ifindex,
                }));
            }
            return;
        };
        match self.check(i, rx, checksum_verified, out) {
            Ok(()) => {}
            Err(rej) => {
                self.count(i, rej);
                if rej == Reject::AddrList {
                    self.record_split_brain(now, i, rx.src, out);
                }
                return;
            }
        }
        if rx.priority == 0 {
            if let Some(r) = self.inst.get_mut(i) {
                r.stats.pri_zero_rcvd += 1;
            }
        }
        match self.inst.get(i).map(|r| r.state) {
            Some(State::Backup) => self.backup_rx(now, i, rx, out),
            Some(State::Master) => self.master_rx(now, i, rx, out),
            _ => {}
        }
    }

    fn count(&mut self, i: usize, rej: Reject) {
        let Some(r) = self.inst.get_mut(i) else {
            return;
        };
        let s = &mut r.stats;
        let c = match rej {
            Reject::Length => &mut s.packet_len_err,
            Reject::Ttl => &mut s.ip_ttl_err,
            Reject::Version => &mut s.version_err,
            Reject::InvalidAuthType => &mut s.invalid_authtype,
            Reject::AuthTypeMismatch => &mut s.authtype_mismatch,
            Reject::AuthFailure => &mut s.auth_failure,
            Reject::Interval => &mut s.advert_interval_err,
            Reject::Type => &mut s.invalid_type_rcvd,
            Reject::AddrList => &mut s.addr_list_err,
            Reject::Checksum => &mut s.checksum_err,
            // keepalived counts a multicast/unicast mismatch as an address-list error.
            Reject::Mode => &mut s.addr_list_err,
            Reject::UnicastSrc => &mut s.unicast_src_err,
        };
        *c += 1;
    }

    /// keepalived's vrrp_check_packet order (§B.4 steps 2-13).
    pub(super) fn check(
        &mut self,
        i: usize,
        rx: &RxAdvert<'_>,
        checksum_verified: bool,
        out: &mut Actions,
    ) -> Result<(), Reject> {
        let inst = i as u16;
        let Some(c) = self.cfg.instances.get(i) else {
            return Err(Reject::Length);
        };
        let unicast = !c.peers.is_empty();
        let is_ah = matches!(c.auth, Auth::Ah(_)) && c.version == 2;
        // 2. AH header present iff auth_type AH.
        if rx.ah.is_some() != is_ah {
            out.push(Action::log(LogMsg::AhPresence {
                inst,
                got_ah: rx.ah.is_some(),
            }));
            return Err(Reject::AuthTypeMismatch);
        }
        // 3. exact length.
        if !rx.length_ok {
            return Err(Reject::Length);
        }
        // 4. TTL 255 unless unicast.
        if !unicast && rx.ttl != 255 {
            out.push(Action::log(LogMsg::BadTtl {
                inst,
                got: rx.ttl,
                want: 255,
            }));
            return Err(Reject::Ttl);
        }
        // 5. version.
        if rx.version != c.version {
            out.push(Action::log(LogMsg::BadVersion {
                inst,
                got: rx.version,
                want: c.version,
            }));
            return Err(Reject::Version);
        }
        // 6. v2 authentication and interval.
        if c.version == 2 {
            if rx.auth_type > 2 {
                out.push(Action::log(LogMsg::InvalidAuthType {
                    inst,
                    got: rx.auth_type,
                }));
                return Err(Reject::InvalidAuthType);
            }
            let ours = match c.auth {
                Auth::None => 0,
                Auth::Pass(_) => 1,
                Auth::Ah(_) => 2,
            };
            if rx.auth_type != ours {
                out.push(Action::log(LogMsg::AuthTypeMismatch {
                    inst,
                    got: rx.auth_type,
                    want: ours,
                }));
                return Err(Reject::AuthTypeMismatch);
            }
            match (&c.auth, rx.ah) {
                (Auth::Pass(k), _) if !wire::pass_eq(k, &rx.auth_data) => {
                    out.push(Action::log(LogMsg::BadPassword { inst }));
                    return Err(Reject::AuthFailure);
                }
                (Auth::Ah(k), Some(ah)) => {
                    let src_spi = match rx.src {
                        IpAddr::V4(a) => u32::from(a),
                        IpAddr::V6(_) => 0,
                    };
                    if ah.next_header != 112
                        || ah.spi != src_spi
                        || !wire::ah_icv_ok(rx, k, unicast)
                    {
                        return Err(Reject::AuthFailure);
                    }
                    // One counter per instance for both directions, as keepalived keeps
                    // it: a receiver accepts only a higher number and adopts it, so a
                    // restarted backup learns the master's count and, once master itself,
                    // continues above what its peer has seen.
                    let last = self.inst.get(i).map_or(0, |r| r.ah_seq);
                    if ah.seq <= last {
                        out.push(Action::log(LogMsg::AhSeqOld { inst, seq: ah.seq }));
                        return Err(Reject::AuthFailure);
                    }
                    if let Some(r) = self.inst.get_mut(i) {
                        r.ah_seq = ah.seq;
                    }
                }
                _ => {}
            }
            let mine = c.advert_int.as_secs() as u32;
            let rcvd = (rx.adver_int_cs / 100) as u32;
            if rx.adver_int_cs as u64 != c.advert_int.as_secs() * 100 {
                out.push(Action::log(LogMsg::IntervalMismatch { inst, mine, rcvd }));
                return Err(Reject::Interval);
            }
        }
        // 7. type.
        if rx.kind != 1 {
            out.push(Action::log(LogMsg::InvalidType { inst, got: rx.kind }));
            return Err(Reject::Type);
        }
        // 8. address count (skip_check_adv_addr: same master as last time).
        let r = self.inst.get(i).copied().unwrap_or_default();
        let skip_addr = c.skip_check_adv_addr && r.master_addr == Some(rx.src);
        if !skip_addr && rx.naddr as u16 != c.vips.len {
            out.push(Action::log(LogMsg::AddrCount {
                inst,
                got: rx.naddr,
                want: c.vips.len,
            }));
            return Err(Reject::AddrList);
        }
        // 9. IPv4 total length.
        if !rx.ip_len_ok {
            return Err(Reject::Length);
        }
        // 10. checksum (IPv4; the kernel checks IPv6).
        if !checksum_verified && rx.src.is_ipv4() {
            let ok = if c.version == 2 || c.v3_checksum_as_v2 {
                wire::checksum_ok(rx, ChecksumFlavour::NoPseudoHeader)
            } else {
                wire::checksum_ok(rx, ChecksumFlavour::PseudoHeader)
                    || (unicast && wire::checksum_ok(rx, ChecksumFlavour::OldUnicast))
            };
            if !ok {
                out.push(Action::log(LogMsg::BadChecksum {
                    inst,
                    version: c.version,
                }));
                return Err(Reject::Checksum);
            }
        }
        // 11. multicast vs unicast mode.
        if rx.dst.is_multicast() == unicast {
            out.push(Action::log(LogMsg::ModeMismatch { inst, unicast }));
            return Err(Reject::Mode);
        }
        // keepalived counts the advert as received once type, version and length are right.
        if let Some(r) = self.inst.get_mut(i) {
            r.stats.advert_rcvd += 1;
        }
        // 12. every VIP present.
        if !skip_addr {
            let ours = self.addrs.get(c.vips.range()).unwrap_or(&[]);
            if let Some(missing) = ours.iter().find(|a| !rx.addrs.contains(a)) {
                out.push(Action::log(LogMsg::AddrMissing {
                    inst,
                    vrid: c.vrid,
                    addr: *missing,
                }));
                return Err(Reject::AddrList);
            }
        }
        // 13. unicast source and TTL range.
        if unicast {
            let peer = self.cfg.peers_of(c.peers).iter().find(|p| p.addr == rx.src);
            let check_src = c.check_unicast_src;
            match peer {
                None if check_src => return Err(Reject::UnicastSrc),
                Some(p) if p.min_ttl != 0 || p.max_ttl != 0 => {
                    let max = if p.max_ttl == 0 { 255 } else { p.max_ttl };
                    if rx.ttl < p.min_ttl || rx.ttl > max {
                        return Err(Reject::Ttl);
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// BACKUP receiving a valid advert (RFC 3768/5798 §6.4.2, keepalived vrrp_state_backup).
    fn backup_rx(&mut self, now: Instant, i: usize, rx: &RxAdvert<'_>, out: &mut Actions) {
        let inst = i as u16;
        let Some(c) = self.cfg.instances.get(i) else {
            return;
        };
        let (nopreempt, preempt_delay, version) = (c.nopreempt, c.preempt_delay, c.version);
        let eff = self.inst.get(i).map(|r| r.effective_priority).unwrap_or(0);
        if rx.priority == 0 {
            // §6.4.2: "If the Priority in the ADVERTISEMENT is zero, then set the
            // Master_Down_Timer to Skew_Time".
            out.push(Action::log(LogMsg::BackupRxPrioZero { inst }));
            let skew = self.skew_time(i);
            if let Some(r) = self.inst.get_mut(i) {
                r.down_armed_at = now;
                r.master_down_at = Some(now + skew);
            }
            return;
        }
        let until = self.inst.get(i).and_then(|r| r.preempt_delay_until);
        let delaying = !preempt_delay.is_zero() && until.is_none_or(|u| u > now);
        if nopreempt || rx.priority >= eff || delaying {
            // §6.4.2: "If Preempt_Mode is False, or if the Priority in the ADVERTISEMENT is
            // greater than or equal to the local Priority": reset the Master_Down_Timer
            // (v3: adopt the master's interval first).
            if let Some(r) = self.inst.get_mut(i) {
                if version == 3 {
                    r.master_adver_int = Duration::from_centis(rx.adver_int_cs as u64);
                }
                r.master_addr = Some(rx.src);
                r.master_priority = rx.priority;
                r.wantstate = State::Backup;
            }
            self.arm_down_timer(now, i);
            // keepalived: the preempt delay starts with the first lower-priority advert and
            // stops when a higher or equal one arrives.
            if !preempt_delay.is_zero() {
                if rx.priority >= eff {
                    if until.is_some() {
                        out.push(Action::log(LogMsg::PreemptDelayStop { inst }));
                        if let Some(r) = self.inst.get_mut(i) {
                            r.preempt_delay_until = None;
                        }
                    }
                } else if until.is_none() {
                    out.push(Action::log(LogMsg::PreemptDelayStart {
                        inst,
                        micros: preempt_delay.as_micros(),
                    }));
                    if let Some(r) = self.inst.get_mut(i) {
                        r.preempt_delay_until = Some(now + preempt_delay);
                    }
                }
            }
        } else {
            // §6.4.2 "Otherwise, discard the ADVERTISEMENT" (the down timer keeps running).
            out.push(Action::log(LogMsg::RxLowerPrioDiscard {
                inst,
                prio: rx.priority,
                from: rx.src,
            }));
            if let Some(r) = self.inst.get_mut(i) {
                r.master_addr = Some(rx.src);
            }
        }
    }

    /// MASTER receiving a valid advert (RFC 3768/5798 §6.4.3, keepalived vrrp_state_master_rx).
    fn master_rx(&mut self, now: Instant, i: usize, rx: &RxAdvert<'_>, out: &mut Actions) {
        let inst = i as u16;
        let eff = self.inst.get(i).map(|r| r.effective_priority).unwrap_or(0);
        let ours = self.src_addr(i);
        let ours_v = ours.map(addr_key).unwrap_or(0);
        let theirs_v = addr_key(rx.src);
        let higher = rx.priority > eff || (rx.priority == eff && theirs_v > ours_v);
        if rx.priority == 0 || (higher && self.higher_prio_send_advert(i)) {
            // §6.4.3: "If the Priority in the ADVERTISEMENT is zero, then send an
            // ADVERTISEMENT" (keepalived leaves the Adver_Timer running); with
            // higher_prio_send_advert also one before yielding.
            self.send_advert(i, eff, out);
            if rx.priority == 0 {
                out.push(Action::log(LogMsg::MasterRxPrioZero { inst }));
                return;
            }
        }
        if rx.priority == eff {
            if Some(rx.src) == ours {
                out.push(Action::log(LogMsg::EqualPrioOurAddr { inst }));
            } else if eff == 255 {
                // Both address owners: keepalived drops its own priority to 254 (base and
                // effective, no "Changing effective priority" line) and yields below.
                out.push(Action::log(LogMsg::OwnerClash { inst }));
                if let Some(r) = self.inst.get_mut(i) {
                    r.base_priority = 254;
                    r.effective_priority = 254;
                }
            }
        }
        let eff = self.inst.get(i).map(|r| r.effective_priority).unwrap_or(0);
        let lower = rx.priority < eff || (rx.priority == eff && theirs_v < ours_v);
        if lower {
            let no_advert = self.lower_prio_no_advert(i);
            out.push(Action::log(LogMsg::MasterRxLower {
                inst,
                from: rx.src,
                prio: rx.priority,
                ours: eff,
                forcing: !no_advert,
            }));
            self.record_split_brain(now, i, rx.src, out);
            // AH: keepalived takes the sequence number from the lower-priority advert.
            if let Some(ah) = rx.ah {
                if let Some(r) = self.inst.get_mut(i) {
                    r.ah_seq = ah.seq.wrapping_add(1);
                }
                out.push(Action::log(LogMsg::AhSync { inst }));
            }
            if !no_advert {
                // RFC 9568 / keepalived: re-advertise so that the other master yields.
                self.send_advert(i, eff, out);
                let int = self.adver_int(i);
                if let Some(r) = self.inst.get_mut(i) {
                    r.advert_at = Some(now + int);
                }
            }
            self.lower_prio_garps(now, i, out);
            self.group_lower_prio_garps(now, i, out);
            self.notify(i, NotifyState::MasterRxLowerPri, out);
            return;
        }
        if !(rx.priority > eff || (rx.priority == eff && theirs_v > ours_v)) {
            // Equal priority from our own address: warned above, nothing else.
            return;
        }
        // §6.4.3: "If the Priority in the ADVERTISEMENT is greater than the local Priority,
        // or equal with a greater primary address: cancel Adver_Timer, set
        // Master_Down_Timer, transition to Backup".
        if rx.priority == eff {
            out.push(Action::log(LogMsg::MasterRxSameHigherIp {
                inst,
                from: rx.src,
                prio: rx.priority,
            }));
        } else {
            out.push(Action::log(LogMsg::MasterRxHigher {
                inst,
                from: rx.src,
                prio: rx.priority,
                ours: eff,
            }));
        }
        let version = self.cfg.instances.get(i).map(|c| c.version).unwrap_or(2);
        if let Some(r) = self.inst.get_mut(i) {
            r.master_addr = Some(rx.src);
            r.master_priority = rx.priority;
        }
        self.transition(now, i, State::Backup, Reason::HigherPriority, out);
        if version == 3 {
            if let Some(r) = self.inst.get_mut(i) {
                r.master_adver_int = Duration::from_centis(rx.adver_int_cs as u64);
            }
            self.arm_down_timer(now, i);
        }
        self.group_follow(now, i, State::Backup, out);
    }

    /// A master heard another master for its VRID: count it, log at most once per interval.
    fn record_split_brain(&mut self, now: Instant, i: usize, from: IpAddr, out: &mut Actions) {
        let int = self.adver_int(i);
        let Some(r) = self.inst.get_mut(i) else {
            return;
        };
        if r.state != State::Master {
            return;
        }
        r.split_brain = true;
        r.stats.split_brain += 1;
        let due = match r.split_brain_logged_at {
            None => true,
            Some(t) => now >= t + int,
        };
        if due {
            r.split_brain_logged_at = Some(now);
            out.push(Action::log(LogMsg::SplitBrain {
                inst: i as u16,
                from,
            }));
        }
    }
}

impl Core {
    /// An ARP frame on `ifindex` says `sender_ip` is at `sender_mac`. Every MASTER instance on
    /// that interface owning `sender_ip` (VIP or eVIP) whose interface MAC differs records a
    /// split brain: another node (a MASTER whose adverts we cannot hear) claims our address.
    /// keepalived has no such rule; this only reports (no state change).
    pub(super) fn on_arp(
        &mut self,
        now: Instant,
        ifindex: u32,
        sender_ip: Ipv4Addr,
        sender_mac: [u8; 6],
        out: &mut Actions,
    ) {
        if ifindex == 0 || sender_ip.is_unspecified() {
            return;
        }
        for i in 0..self.cfg.instances.len() {
            let Some(f) = self.iface_of(i) else {
                continue;
            };
            if f.ifindex != ifindex || f.mac == sender_mac {
                continue;
            }
            if self.inst.get(i).map(|r| r.state) != Some(State::Master) {
                continue;
            }
            let Some(c) = self.cfg.instances.get(i) else {
                continue;
            };
            let ours = c
                .vips
                .range()
                .chain(c.evips.range())
                .any(|v| self.addrs.get(v) == Some(&IpAddr::V4(sender_ip)));
            if !ours {
                continue;
            }
            let int = self.adver_int(i);
            let Some(r) = self.inst.get_mut(i) else {
                continue;
            };
            r.split_brain = true;
            r.stats.split_brain += 1;
            let due = match r.split_brain_arp_logged_at {
                None => true,
                Some(t) => now >= t + int,
            };
            if due {
                r.split_brain_arp_logged_at = Some(now);
                out.push(Action::log(LogMsg::SplitBrainArp {
                    inst: i as u16,
                    addr: sender_ip,
                    mac: sender_mac,
                }));
            }
        }
    }
}

/// Address as a comparable number (IPv4 as u32, IPv6 as u128), as keepalived compares them.
fn addr_key(a: IpAddr) -> u128 {
    match a {
        IpAddr::V4(v) => u32::from(v) as u128,
        IpAddr::V6(v) => u128::from(v),
    }
}
