//! A simulated wire: N cores in one process at simulated time, a discrete-event loop over
//! `next_deadline()` and a packet queue, with partitions, loss, delay, crashes and restarts.
#![allow(dead_code)]

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::net::{IpAddr, Ipv4Addr};

use keepalived_rs::config::Config;
use keepalived_rs::core::{Action, Actions, Core, Event, IfInfo, State};
use keepalived_rs::time::{Duration, Instant};
use keepalived_rs::wire::{AddrList, Destination, RxAdvert};

/// Small seeded PRNG (xorshift64*), no extra crate.
#[derive(Clone)]
pub struct Rng(pub u64);
impl Rng {
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next() % n
        }
    }
    pub fn chance(&mut self, per_mille: u64) -> bool {
        self.below(1000) < per_mille
    }
}

/// An advert on the simulated wire (owned; rebuilt as an `RxAdvert` on delivery).
#[derive(Clone, Debug)]
pub struct Pkt {
    pub from: usize,
    pub src: IpAddr,
    pub dst: IpAddr,
    pub ttl: u8,
    pub version: u8,
    pub vrid: u8,
    pub prio: u8,
    pub int_cs: u16,
    pub auth_type: u8,
    pub auth_data: [u8; 8],
    pub addrs: Vec<IpAddr>,
    /// The packet as `wire::emit_advert` built it (IPv4: whole IP packet; IPv6: VRRP only).
    pub bytes: Vec<u8>,
}

pub struct Node {
    pub cfg: Box<Config>,
    pub core: Option<Core>,
    pub addr: Ipv4Addr,
    /// (time, instance, state) transitions.
    pub transitions: Vec<(Instant, u16, State)>,
    /// Adverts received (delivered) per instance, last time.
    pub last_rx: Option<Instant>,
    pub vips_set: usize,
}

pub struct Net {
    pub nodes: Vec<Node>,
    queue: BinaryHeap<Reverse<(Instant, u64, usize)>>,
    pkts: Vec<Option<Pkt>>,
    seq: u64,
    pub now: Instant,
    /// Nodes talk only when in the same partition.
    pub partition: Vec<u8>,
    pub loss_per_mille: u64,
    pub delay: Duration,
    pub jitter: Duration,
    pub rng: Rng,
    /// Carry real bytes (emit_advert → Event::Packet4/Packet6 → parse_advert) instead of
    /// decoded adverts.
    pub real_bytes: bool,
    out: Actions,
}

impl Net {
    pub fn new(cfgs: Vec<Box<Config>>, start: Instant) -> Net {
        let mut nodes = Vec::new();
        for (i, cfg) in cfgs.into_iter().enumerate() {
            nodes.push(Node {
                cfg,
                core: None,
                addr: Ipv4Addr::new(192, 0, 2, (i + 1) as u8),
                transitions: Vec::new(),
                last_rx: None,
                vips_set: 0,
            });
        }
        let n = nodes.len();
        let mut net = Net {
            nodes,
            queue: BinaryHeap::new(),
            pkts: Vec::new(),
            seq: 0,
            now: start,
            partition: vec![0; n],
            loss_per_mille: 0,
            delay: Duration::from_micros(100),
            jitter: Duration::ZERO,
            rng: Rng(0x9e37_79b9_7f4a_7c15),
            real_bytes: true,
            out: Actions::new(),
        };
        for i in 0..n {
            net.boot(i);
        }
        net
    }

    /// (Re)start node `i` with a fresh core at the current time.
    pub fn boot(&mut self, i: usize) {
        let now = self.now;
        let node = &mut self.nodes[i];
        let mut core = Core::new(&node.cfg);
        let info = IfInfo {
            name: "eth0",
            ifindex: 1,
            up: true,
            ipv4: Some(node.addr),
            ll6: Some(std::net::Ipv6Addr::new(
                0xfe80,
                0,
                0,
                0,
                0,
                0,
                0,
                (i + 1) as u16,
            )),
            mac: [2, 0, 0, 0, 0, i as u8],
        };
        core.handle(now, Event::Interface(info), &mut self.out);
        core.handle(now, Event::Start, &mut self.out);
        node.core = Some(core);
        self.drain(i);
    }

    /// SIGHUP on node `i` with a new configuration.
    pub fn reload(&mut self, i: usize, cfg: Box<Config>) {
        let now = self.now;
        if let Some(c) = self.nodes[i].core.as_mut() {
            c.handle(now, Event::Reload(&cfg), &mut self.out);
        }
        self.drain(i);
        self.nodes[i].cfg = cfg;
    }

    /// Crash node `i` (no priority 0, VIPs gone with the box).
    pub fn crash(&mut self, i: usize) {
        self.nodes[i].core = None;
        self.nodes[i].vips_set = 0;
    }

    /// Orderly stop of node `i` (priority 0 adverts go out).
    pub fn stop(&mut self, i: usize) {
        let now = self.now;
        if let Some(c) = self.nodes[i].core.as_mut() {
            c.handle(now, Event::Shutdown, &mut self.out);
        }
        self.drain(i);
        self.nodes[i].core = None;
    }

    /// Execute node `i`'s actions; a pass that stopped for room in the queue is resumed
    /// until done, as the daemon does.
    fn drain(&mut self, i: usize) {
        loop {
            self.drain_once(i);
            match self.nodes[i].core.as_mut() {
                Some(c) if c.has_more() => c.resume(&mut self.out),
                _ => break,
            }
        }
    }

    fn drain_once(&mut self, i: usize) {
        while let Some(a) = self.out.pop() {
            match a {
                Action::SendAdvert(sa) => {
                    let Some(core) = self.nodes[i].core.as_ref() else {
                        continue;
                    };
                    let Some(tx) = core.advert_tx(&sa) else {
                        continue;
                    };
                    let mut buf = [0u8; 2048];
                    let n = keepalived_rs::wire::emit_advert(&tx, &mut buf).expect("emit");
                    let pkt = Pkt {
                        from: i,
                        src: tx.src,
                        dst: match tx.dst {
                            Destination::Multicast(a) | Destination::Unicast(a) => a,
                        },
                        ttl: tx.ttl,
                        version: tx.version,
                        vrid: tx.vrid,
                        prio: tx.priority,
                        int_cs: tx.adver_int_cs,
                        auth_type: 0,
                        auth_data: [0; 8],
                        addrs: tx.addrs.to_vec(),
                        bytes: buf[..n].to_vec(),
                    };
                    let unicast = matches!(tx.dst, Destination::Unicast(_));
                    for j in 0..self.nodes.len() {
                        if j == i || self.partition[j] != self.partition[i] {
                            continue;
                        }
                        if unicast && IpAddr::V4(self.nodes[j].addr) != pkt.dst {
                            continue;
                        }
                        if self.loss_per_mille > 0 && self.rng.chance(self.loss_per_mille) {
                            continue;
                        }
                        let jit = if self.jitter.is_zero() {
                            0
                        } else {
                            self.rng.below(self.jitter.as_micros())
                        };
                        let at = self.now + self.delay + Duration::from_micros(jit);
                        self.pkts.push(Some(pkt.clone()));
                        let id = self.pkts.len() - 1;
                        self.seq += 1;
                        self.queue.push(Reverse((at, self.seq, j * 1_000_000 + id)));
                    }
                }
                Action::StateChanged { instance, state } => {
                    let now = self.now;
                    self.nodes[i].transitions.push((now, instance, state));
                }
                Action::AddVip { .. } => self.nodes[i].vips_set += 1,
                Action::DelVip { .. } => {
                    self.nodes[i].vips_set = self.nodes[i].vips_set.saturating_sub(1)
                }
                _ => {}
            }
        }
        assert_eq!(self.out.overflow, 0);
    }

    fn next_event(&self) -> Option<Instant> {
        let a = self
            .nodes
            .iter()
            .filter_map(|n| n.core.as_ref().and_then(|c| c.next_deadline()))
            .min();
        let b = self.queue.peek().map(|Reverse((t, _, _))| *t);
        match (a, b) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Run until `end` (inclusive).
    pub fn run_until(&mut self, end: Instant) {
        while let Some(t) = self.next_event() {
            if t > end {
                break;
            }
            self.now = t;
            // Packets first (they were sent before this instant's timers were due).
            while let Some(Reverse((pt, _, code))) = self.queue.peek().copied() {
                if pt > t {
                    break;
                }
                self.queue.pop();
                let (j, id) = (code / 1_000_000, code % 1_000_000);
                let Some(pkt) = self.pkts.get_mut(id).and_then(|p| p.take()) else {
                    continue;
                };
                self.deliver(j, &pkt);
            }
            for i in 0..self.nodes.len() {
                let due = self.nodes[i]
                    .core
                    .as_ref()
                    .and_then(|c| c.next_deadline())
                    .is_some_and(|d| d <= t);
                if due {
                    if let Some(c) = self.nodes[i].core.as_mut() {
                        c.handle(t, Event::Timer, &mut self.out);
                    }
                    self.drain(i);
                }
            }
        }
        self.now = end;
    }

    fn deliver(&mut self, j: usize, p: &Pkt) {
        let now = self.now;
        let real = self.real_bytes;
        let Some(core) = self.nodes[j].core.as_mut() else {
            return;
        };
        if real {
            let ev = match (p.src, p.dst) {
                (IpAddr::V6(src), IpAddr::V6(dst)) => Event::Packet6 {
                    ifindex: 1,
                    src,
                    dst,
                    hop_limit: p.ttl,
                    bytes: &p.bytes,
                },
                _ => Event::Packet4 {
                    ifindex: 1,
                    bytes: &p.bytes,
                },
            };
            core.handle(now, ev, &mut self.out);
            self.nodes[j].last_rx = Some(now);
            self.drain(j);
            return;
        }
        let mut addrs = AddrList::new();
        for a in &p.addrs {
            let _ = addrs.push(*a);
        }
        let rx = RxAdvert {
            src: p.src,
            dst: p.dst,
            ttl: p.ttl,
            ip_len_ok: true,
            ah: None,
            vrrp: &[],
            ip_packet: &[],
            version: p.version,
            kind: 1,
            vrid: p.vrid,
            priority: p.prio,
            naddr: p.addrs.len() as u8,
            auth_type: p.auth_type,
            adver_int_cs: p.int_cs,
            auth_data: p.auth_data,
            addrs,
            length_ok: true,
        };
        core.handle(
            now,
            Event::Advert {
                ifindex: 1,
                rx: &rx,
                checksum_verified: true,
            },
            &mut self.out,
        );
        self.nodes[j].last_rx = Some(now);
        self.drain(j);
    }

    /// Nodes whose instance `inst` is MASTER (running nodes only).
    pub fn masters(&self, inst: usize) -> Vec<usize> {
        (0..self.nodes.len())
            .filter(|&i| {
                self.nodes[i]
                    .core
                    .as_ref()
                    .and_then(|c| c.instance(inst))
                    .is_some_and(|r| r.state == State::Master)
            })
            .collect()
    }

    pub fn state(&self, i: usize, inst: usize) -> Option<State> {
        self.nodes[i]
            .core
            .as_ref()
            .and_then(|c| c.instance(inst))
            .map(|r| r.state)
    }

    /// Time node `i` last entered `state` on instance `inst`.
    pub fn last_entered(&self, i: usize, inst: u16, state: State) -> Option<Instant> {
        self.nodes[i]
            .transitions
            .iter()
            .rev()
            .find(|(_, k, s)| *k == inst && *s == state)
            .map(|(t, _, _)| *t)
    }

    pub fn transitions_after(&self, i: usize, t: Instant) -> usize {
        self.nodes[i]
            .transitions
            .iter()
            .filter(|(x, _, _)| *x > t)
            .count()
    }
}
