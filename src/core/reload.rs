//! `Event::Reload`: old config + new config. The same virtual router (keepalived's vrrp_exist:
//! VRID, family, interface, unicast or not, unicast source / multicast group; not the name)
//! keeps its state, timers, counters and AH/IP-ID sequence; only VIP and route differences
//! are produced for masters. Removed instances drop their VIPs (`DelOldVip`); new instances start as at
//! start-up. Check scripts with the same name keep their result
//! ("VRRP_Script(x) considered successful on reload").

use heapless::Vec;

use super::fsm::Reason;
use core::net::{IpAddr, Ipv4Addr};

use super::{track::ScriptRt, Action, Actions, Core, InstanceRt, SendAdvert, State};
use crate::config::Config;
use crate::limits::*;
use crate::logmsg::LogMsg;
use crate::time::Instant;
use crate::wire::Destination;

impl Core {
    #[inline(never)]
    pub(super) fn reload(&mut self, now: Instant, new_cfg: &Config, out: &mut Actions) {
        // Reuse the box of the configuration before last (no stack copy of a Config).
        let mut fresh = self.prev.take().unwrap_or_else(super::boxed_default_config);
        super::copy_config(&mut fresh, new_cfg);
        let old_cfg = core::mem::replace(&mut self.cfg, fresh);
        // Reload is not steady state: small std::vec temporaries are fine here.
        let old_inst: std::vec::Vec<InstanceRt> = self.inst.iter().copied().collect();
        let old_scripts: std::vec::Vec<ScriptRt> = self.scripts.iter().copied().collect();
        let old_files = self.files.clone();
        let old_procs = self.procs.clone();
        let spare = self
            .prev_addrs
            .take()
            .unwrap_or_else(|| Box::new(Vec::new()));
        let old_addrs = core::mem::replace(&mut self.addrs, spare);
        self.build_tables();
        self.prev_addrs = Some(old_addrs);
        // Pending GARPs name entries of the old address pool.
        self.garpq.clear_pending();

        // Scripts: keep results by name.
        for (s, sc) in self.cfg.scripts.iter().enumerate() {
            let prev = old_cfg
                .scripts
                .iter()
                .position(|o| o.name == sc.name)
                .and_then(|o| old_scripts.get(o));
            if let (Some(p), Some(rt)) = (prev, self.scripts.get_mut(s)) {
                *rt = *p;
                rt.running = false;
                if p.state == super::track::ScriptState::Ok {
                    out.push(Action::log(LogMsg::ScriptReloadOk { script: s as u16 }));
                }
            }
        }
        for (f, fc) in self.cfg.track_files.iter().enumerate() {
            let prev = old_cfg
                .track_files
                .iter()
                .position(|o| o.name == fc.name)
                .and_then(|o| old_files.get(o).copied());
            if let (Some(p), Some(v)) = (prev, self.files.get_mut(f)) {
                *v = p;
            }
        }
        self.reload_processes(&old_cfg, &old_procs);
        if self.started {
            self.schedule_scripts(now);
        }

        // Removed instances: drop their VIPs and routes.
        for (o, oc) in old_cfg.instances.iter().enumerate() {
            if self.cfg.instances.iter().any(|n| same_router(oc, n)) {
                continue;
            }
            let Some(mut rt) = old_inst.get(o).copied() else {
                continue;
            };
            if rt.state == State::Master {
                // keepalived vrrp_restore_interface(advF): priority 0 so that a backup takes
                // over after Skew_Time.
                let ifindex = oc
                    .interface
                    .as_ref()
                    .and_then(|n| self.ifs.iter().find(|f| f.name == *n))
                    .map(|f| f.ifindex)
                    .unwrap_or(0);
                let mcast = oc.mcast_group.unwrap_or(match oc.family {
                    crate::config::Family::V4 => IpAddr::V4(old_cfg.global.mcast_group4),
                    crate::config::Family::V6 => old_cfg.global.mcast_group6,
                });
                let mut dsts: Vec<Destination, 16> = Vec::new();
                if oc.peers.is_empty() {
                    let _ = dsts.push(Destination::Multicast(mcast));
                } else {
                    for p in old_cfg.peers_of(oc.peers) {
                        let _ = dsts.push(Destination::Unicast(p.addr));
                    }
                }
                for dst in dsts {
                    let ip_id = rt.next_ip_id();
                    rt.ah_seq = rt.ah_seq.wrapping_add(1);
                    out.push(Action::SendAdvert(SendAdvert {
                        instance: o as u16,
                        ifindex,
                        dst,
                        priority: 0,
                        ip_id,
                        ah_seq: rt.ah_seq,
                        prev: true,
                    }));
                }
            }
            // keepalived reports a deleted instance as DELETED (FAULT without notify_deleted),
            // except a FAULT instance without notify_deleted.
            if oc.notifies.deleted || rt.state != State::Fault {
                out.push(Action::InstanceDeleted {
                    instance: o as u16,
                    priority: rt.effective_priority,
                });
            }
            if rt.state == State::Master {
                for r in oc.vroutes.range() {
                    out.push(Action::DelOldRoute { route: r as u16 });
                }
                for v in oc.vips.range().chain(oc.evips.range()) {
                    out.push(Action::DelOldVip { vip: v as u16 });
                }
            }
        }

        // Kept and new instances.
        let mut fresh: Vec<usize, MAX_INSTANCES> = Vec::new();
        for i in 0..self.cfg.instances.len() {
            let Some(nc) = self.cfg.instances.get(i) else {
                continue;
            };
            let Some(o) = old_cfg.instances.iter().position(|oc| same_router(oc, nc)) else {
                let _ = fresh.push(i);
                continue;
            };
            let (Some(prev), Some(oc)) = (old_inst.get(o).copied(), old_cfg.instances.get(o))
            else {
                continue;
            };
            let mut rt = prev;
            rt.base_priority = nc.priority;
            rt.effective_priority = prev.effective_priority;
            if rt.state != State::Backup {
                rt.master_adver_int = nc.advert_int;
            }
            if let Some(x) = self.inst.get_mut(i) {
                *x = rt;
            }
            if rt.state == State::Master {
                let inst = i as u16;
                // Routes and VIPs that disappeared, then the new ones.
                for r in oc.vroutes.range() {
                    let gone = old_cfg
                        .routes
                        .get(r)
                        .is_some_and(|x| !self.cfg.routes_of(nc.vroutes).iter().any(|y| y == x));
                    if let (true, Some(x)) = (gone, old_cfg.routes.get(r)) {
                        out.push(Action::log(LogMsg::RouteGone {
                            addr: x.dst.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
                            prefix: x.prefix,
                        }));
                        out.push(Action::DelOldRoute { route: r as u16 });
                    }
                }
                for v in oc.vips.range().chain(oc.evips.range()) {
                    let Some(x) = old_cfg.vips.get(v) else {
                        continue;
                    };
                    let kept = nc
                        .vips
                        .range()
                        .chain(nc.evips.range())
                        .any(|n| self.cfg.vips.get(n) == Some(x));
                    if !kept {
                        out.push(Action::log(LogMsg::VipGone {
                            inst,
                            addr: x.ip(),
                            prefix: x.prefix,
                        }));
                        out.push(Action::DelOldVip { vip: v as u16 });
                    }
                }
                // keepalived re-adds every VIP and route of a master (the kernel keeps what
                // exists): its -D lines, then only the differences go out.
                out.push(Action::log(LogMsg::SettingVips { inst }));
                for v in nc.vips.range().chain(nc.evips.range()) {
                    let Some(x) = self.cfg.vips.get(v) else {
                        continue;
                    };
                    let existed = oc
                        .vips
                        .range()
                        .chain(oc.evips.range())
                        .any(|n| old_cfg.vips.get(n) == Some(x));
                    if !existed {
                        out.push(Action::AddVip {
                            instance: inst,
                            vip: v as u16,
                        });
                    }
                }
                if !nc.vroutes.is_empty() {
                    out.push(Action::log(LogMsg::SettingRoutes { inst }));
                }
                for r in nc.vroutes.range() {
                    let existed = self
                        .cfg
                        .routes
                        .get(r)
                        .is_some_and(|x| old_cfg.routes_of(oc.vroutes).iter().any(|y| y == x));
                    if !existed {
                        out.push(Action::AddRoute {
                            instance: inst,
                            route: r as u16,
                        });
                    }
                }
            }
        }
        self.prev = Some(old_cfg);
        if !self.started {
            return;
        }
        for i in 0..self.inst.len() {
            self.recompute_priority(now, i, true, out);
        }
        for &i in fresh.iter() {
            self.remove_vips(i, true, out);
            self.start_instance(now, i, out);
        }
        for i in 0..self.inst.len() {
            if !fresh.contains(&i) {
                self.apply_fault_state(now, i, out);
            }
        }
        let _ = Reason::Startup;
    }
}

/// keepalived's vrrp_exist: the same virtual router in the old and the new configuration.
fn same_router(old: &crate::config::Instance, new: &crate::config::Instance) -> bool {
    if old.vrid != new.vrid || old.family != new.family || old.interface != new.interface {
        return false;
    }
    let (ou, nu) = (!old.peers.is_empty(), !new.peers.is_empty());
    if ou != nu {
        return false;
    }
    if nu {
        old.src_ip == new.src_ip
    } else {
        old.mcast_group == new.mcast_group
    }
}
