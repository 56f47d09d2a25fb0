//! `keepalived.json` (json_version 1 of keepalived 2.2.7): an array with one
//! `{"data": {...}, "stats": {...}}` object per instance, with keepalived's key names and
//! types (flags as 0/1 numbers where keepalived writes numbers, booleans where it writes
//! booleans, intervals in seconds written as C's `%g` writes them: `1`, `0.5`), so the tools
//! that read keepalived's file read ours. `vmac_ifname` is always `""`: what keepalived
//! writes for an instance without a VMAC, and we have none. Additions: `split_brain`, `split_brain_count` in `data`; `checksum_err`, `version_err`,
//! `unicast_src_err` in `stats` (drops keepalived does not show). `auth_data` is an empty
//! string: keepalived prints the password in clear, in a file any local user can read
//! (`--json-auth` asks for keepalived's behaviour).

use serde::ser::{SerializeSeq, Serializer};
use serde::Serialize;

use super::{fixed, Counters, InstanceStatus, RouteText, VipText};
use crate::config::{Route, Vip};

/// Room for one instance's object: the most VIPs one advert carries, each at the longest
/// text [`VipText`] can produce (cut at 256 bytes) with its quotes and comma, plus the rest of
/// the object (7 command lines of 256 bytes, escaped, tracker names, numbers and stats).
/// An instance beyond that (thousands of `virtual_ipaddress_excluded`) is written as
/// `{"data":{"iname":…,"error":"too large"}}`.
pub const OBJECT_BUF: usize = crate::wire::MAX_ADVERT_ADDRS * (VIP_TEXT + 3) + 8 * 1024;

/// The longest VIP text written (see `VipList`).
const VIP_TEXT: usize = 256;

#[derive(Serialize)]
struct Entry<'a> {
    data: Data<'a>,
    stats: &'a Counters,
}

impl Serialize for Counters {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("stats", 17)?;
        st.serialize_field("advert_rcvd", &self.advert_rcvd)?;
        st.serialize_field("advert_sent", &self.advert_sent)?;
        st.serialize_field("become_master", &self.become_master)?;
        st.serialize_field("release_master", &self.release_master)?;
        st.serialize_field("packet_len_err", &self.packet_len_err)?;
        st.serialize_field("advert_interval_err", &self.advert_interval_err)?;
        st.serialize_field("ip_ttl_err", &self.ip_ttl_err)?;
        st.serialize_field("invalid_type_rcvd", &self.invalid_type_rcvd)?;
        st.serialize_field("addr_list_err", &self.addr_list_err)?;
        st.serialize_field("invalid_authtype", &self.invalid_authtype)?;
        st.serialize_field("authtype_mismatch", &self.authtype_mismatch)?;
        st.serialize_field("auth_failure", &self.auth_failure)?;
        st.serialize_field("pri_zero_rcvd", &self.pri_zero_rcvd)?;
        st.serialize_field("pri_zero_sent", &self.pri_zero_sent)?;
        st.serialize_field("checksum_err", &self.checksum_err)?;
        st.serialize_field("version_err", &self.version_err)?;
        st.serialize_field("unicast_src_err", &self.unicast_src_err)?;
        st.end()
    }
}

/// A list of addresses serialised as keepalived's strings.
struct VipList<'a> {
    vips: &'a [Vip],
    dev: &'a str,
    set: bool,
}

impl Serialize for VipList<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.vips.len()))?;
        for vip in self.vips {
            let text: heapless::String<VIP_TEXT> = fixed(format_args!(
                "{}",
                VipText {
                    vip,
                    default_dev: self.dev,
                    set: self.set
                }
            ));
            seq.serialize_element(text.as_str())?;
        }
        seq.end()
    }
}

/// keepalived writes seconds with `%g`: a whole number has no fraction, so it reads as an
/// integer (a Go reader with an `int` field accepts `1` but not `1.0`).
fn g_secs<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        s.serialize_i64(*v as i64)
    } else {
        s.serialize_f64(*v)
    }
}

/// `virtual_routes` serialised as keepalived's strings.
struct RouteList<'a>(&'a [Route]);

impl Serialize for RouteList<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for r in self.0 {
            let text: heapless::String<256> = fixed(format_args!("{}", RouteText(r)));
            seq.serialize_element(text.as_str())?;
        }
        seq.end()
    }
}

#[derive(Serialize)]
struct Data<'a> {
    iname: &'a str,
    dont_track_primary: u8,
    skip_check_adv_addr: u8,
    strict_mode: u8,
    vmac_ifname: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    ifp_ifname: Option<&'a str>,
    master_priority: u8,
    last_transition: f64,
    #[serde(serialize_with = "g_secs")]
    garp_delay: f64,
    garp_refresh: u64,
    garp_rep: u32,
    garp_refresh_rep: u32,
    garp_lower_prio_delay: u64,
    garp_lower_prio_rep: u32,
    lower_prio_no_advert: u8,
    higher_prio_send_advert: u8,
    vrid: u8,
    base_priority: u8,
    effective_priority: u8,
    vipset: bool,
    promote_secondaries: bool,
    #[serde(serialize_with = "g_secs")]
    adver_int: f64,
    #[serde(serialize_with = "g_secs")]
    master_adver_int: f64,
    accept: u8,
    nopreempt: bool,
    preempt_delay: u64,
    state: u8,
    wantstate: u8,
    version: u8,
    smtp_alert: bool,
    notify_deleted: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    script_backup: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    script_master: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    script_fault: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    script_stop: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    script_deleted: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    script: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    script_master_rx_lower_pri: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    vips: Option<VipList<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    evips: Option<VipList<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    vroutes: Option<RouteList<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    track_ifp: Option<&'a [&'a str]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    track_script: Option<&'a [&'a str]>,
    auth_type: u8,
    #[serde(skip_serializing_if = "Option::is_none")]
    auth_data: Option<&'a str>,
    split_brain: bool,
    split_brain_count: u64,
}

/// Why an object could not be produced.
#[derive(Debug, PartialEq, Eq)]
pub enum JsonError {
    /// The instance does not fit in [`OBJECT_BUF`] bytes.
    TooLarge,
}

/// Serialise one instance's `{"data":…,"stats":…}` object into `buf`; returns its length.
/// `show_auth` writes `auth_data` with the password in clear, as keepalived always does;
/// otherwise it is an empty string (same key and type, no secret).
pub fn instance_object<'a>(
    st: &InstanceStatus<'a>,
    show_auth: bool,
    buf: &mut [u8],
) -> Result<usize, JsonError> {
    let auth_text: Option<heapless::String<8>> = match (show_auth, st.auth_data) {
        (true, Some(key)) => {
            let end = key.iter().position(|&b| b == 0).unwrap_or(key.len());
            let mut s = heapless::String::new();
            for &b in &key[..end] {
                // The key came from the config as text; keep it printable either way.
                let _ = s.push(if b.is_ascii_graphic() { b as char } else { '?' });
            }
            Some(s)
        }
        // The key stays (readers of keepalived's file find it, a string), the secret does not.
        (false, Some(_)) => Some(heapless::String::new()),
        (_, None) => None,
    };
    let non_empty = |l: &'a [&'a str]| if l.is_empty() { None } else { Some(l) };
    let vip_list = |vips: &'a [Vip]| {
        if vips.is_empty() {
            None
        } else {
            Some(VipList {
                vips,
                dev: st.default_dev,
                set: st.vipset,
            })
        }
    };
    let data = Data {
        iname: st.iname,
        dont_track_primary: st.dont_track_primary as u8,
        skip_check_adv_addr: st.skip_check_adv_addr as u8,
        strict_mode: st.strict_mode as u8,
        vmac_ifname: "",
        ifp_ifname: st.ifname,
        master_priority: st.master_priority,
        last_transition: st.last_transition,
        garp_delay: st.garp_delay_s,
        garp_refresh: st.garp_refresh_s,
        garp_rep: st.garp_rep,
        garp_refresh_rep: st.garp_refresh_rep,
        garp_lower_prio_delay: st.garp_lower_prio_delay_s,
        garp_lower_prio_rep: st.garp_lower_prio_rep,
        lower_prio_no_advert: st.lower_prio_no_advert as u8,
        higher_prio_send_advert: st.higher_prio_send_advert as u8,
        vrid: st.vrid,
        base_priority: st.base_priority,
        effective_priority: st.effective_priority,
        vipset: st.vipset,
        promote_secondaries: false,
        adver_int: st.adver_int_s,
        master_adver_int: st.master_adver_int_s,
        accept: st.accept as u8,
        nopreempt: st.nopreempt,
        preempt_delay: st.preempt_delay_s,
        state: st.state,
        wantstate: st.wantstate,
        version: st.version,
        smtp_alert: st.smtp_alert,
        notify_deleted: st.notify_deleted,
        script_backup: st.script_backup,
        script_master: st.script_master,
        script_fault: st.script_fault,
        script_stop: st.script_stop,
        script_deleted: st.script_deleted,
        script: st.script,
        script_master_rx_lower_pri: st.script_master_rx_lower_pri,
        vips: vip_list(st.vips),
        evips: vip_list(st.evips),
        vroutes: (!st.vroutes.is_empty()).then_some(RouteList(st.vroutes)),
        track_ifp: non_empty(st.track_ifp),
        track_script: non_empty(st.track_script),
        auth_type: st.auth_type,
        auth_data: auth_text.as_ref().map(|s| s.as_str()),
        split_brain: st.split_brain,
        split_brain_count: st.split_brain_count,
    };
    serde_json_core::to_slice(
        &Entry {
            data,
            stats: &st.stats,
        },
        buf,
    )
    .map_err(|_| JsonError::TooLarge)
}

/// Write one instance's object to `out` through `buf`; one too large for `buf` is still
/// valid JSON: its name and why its data is missing.
pub fn write_instance<W: std::io::Write>(
    st: &InstanceStatus<'_>,
    show_auth: bool,
    buf: &mut [u8],
    out: &mut W,
) -> std::io::Result<()> {
    match instance_object(st, show_auth, buf) {
        Ok(n) => out.write_all(buf.get(..n).unwrap_or(&[])),
        Err(JsonError::TooLarge) => {
            out.write_all(b"{\"data\":{\"iname\":")?;
            let mut name = [0u8; 192];
            let n = serde_json_core::to_slice(st.iname, &mut name).unwrap_or(0);
            out.write_all(name.get(..n).unwrap_or(b"\"\""))?;
            out.write_all(b",\"error\":\"too large\"}}")
        }
    }
}

/// Write the whole array to `out`, one instance at a time through `buf`.
pub fn write_all<'a, W: std::io::Write>(
    instances: impl Iterator<Item = InstanceStatus<'a>>,
    show_auth: bool,
    buf: &mut [u8],
    out: &mut W,
) -> std::io::Result<()> {
    out.write_all(b"[")?;
    for (i, st) in instances.enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        write_instance(&st, show_auth, buf, out)?;
    }
    out.write_all(b"]\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::IfName;

    fn vip(addr: &str) -> Vip {
        Vip {
            addr: Some(addr.parse().unwrap()),
            prefix: 32,
            ..Vip::default()
        }
    }

    fn sample<'a>(vips: &'a [Vip], scripts: &'a [&'a str]) -> InstanceStatus<'a> {
        sample_routes(vips, scripts, &[])
    }

    fn sample_routes<'a>(
        vips: &'a [Vip],
        scripts: &'a [&'a str],
        vroutes: &'a [Route],
    ) -> InstanceStatus<'a> {
        InstanceStatus {
            iname: "VI_1",
            ifname: Some("eth0"),
            dont_track_primary: false,
            skip_check_adv_addr: false,
            strict_mode: false,
            master_priority: 104,
            last_transition: 1764000000.5,
            garp_delay_s: 5.0,
            garp_refresh_s: 0,
            garp_rep: 5,
            garp_refresh_rep: 1,
            garp_lower_prio_delay_s: 5,
            garp_lower_prio_rep: 5,
            lower_prio_no_advert: false,
            higher_prio_send_advert: false,
            vrid: 50,
            base_priority: 100,
            effective_priority: 104,
            vipset: true,
            adver_int_s: 1.0,
            master_adver_int_s: 1.0,
            accept: true,
            nopreempt: false,
            preempt_delay_s: 0,
            state: 2,
            wantstate: 2,
            version: 2,
            smtp_alert: false,
            notify_deleted: false,
            script_backup: None,
            script_master: Some("/etc/keepalived/notify.sh MASTER"),
            script_fault: None,
            script_stop: None,
            script_deleted: None,
            script: None,
            script_master_rx_lower_pri: None,
            vips,
            evips: &[],
            vroutes,
            default_dev: "eth0",
            track_ifp: &[],
            track_script: scripts,
            auth_type: 1,
            auth_data: Some(*b"1111\0\0\0\0"),
            split_brain: false,
            split_brain_count: 0,
            stats: Counters {
                advert_sent: 53,
                advert_rcvd: 11,
                ..Counters::default()
            },
        }
    }

    #[test]
    fn object_has_keepalived_keys_types_and_order() {
        let vips = [vip("192.0.2.100")];
        let scripts = ["killall -0 nginx"];
        let routes = [Route {
            dst: Some("198.51.100.0".parse().unwrap()),
            prefix: 24,
            via: Some("192.0.2.1".parse().unwrap()),
            dev: Some(IfName::try_from("eth0").unwrap()),
            kind: 1,
            ..Route::default()
        }];
        let mut buf = [0u8; OBJECT_BUF];
        let mut st = sample_routes(&vips, &scripts, &routes);
        st.master_adver_int_s = 0.5;
        let n = instance_object(&st, false, &mut buf).unwrap();
        let text = core::str::from_utf8(&buf[..n]).unwrap();
        let expected = concat!(
            r#"{"data":{"iname":"VI_1","dont_track_primary":0,"skip_check_adv_addr":0,"#,
            r#""strict_mode":0,"vmac_ifname":"","ifp_ifname":"eth0","master_priority":104,"#,
            r#""last_transition":1764000000.5,"garp_delay":5,"garp_refresh":0,"garp_rep":5,"#,
            r#""garp_refresh_rep":1,"garp_lower_prio_delay":5,"garp_lower_prio_rep":5,"#,
            r#""lower_prio_no_advert":0,"higher_prio_send_advert":0,"vrid":50,"#,
            r#""base_priority":100,"effective_priority":104,"vipset":true,"#,
            r#""promote_secondaries":false,"adver_int":1,"master_adver_int":0.5,"accept":1,"#,
            r#""nopreempt":false,"preempt_delay":0,"state":2,"wantstate":2,"version":2,"#,
            r#""smtp_alert":false,"notify_deleted":false,"#,
            r#""script_master":"/etc/keepalived/notify.sh MASTER","#,
            r#""vips":["192.0.2.100 dev eth0 scope global set"],"#,
            r#""vroutes":["prepend 198.51.100.0/24 via inet 192.0.2.1 dev eth0 proto 18"],"#,
            r#""track_script":["killall -0 nginx"],"auth_type":1,"auth_data":"","#,
            r#""split_brain":false,"split_brain_count":0},"#,
            r#""stats":{"advert_rcvd":11,"advert_sent":53,"become_master":0,"release_master":0,"#,
            r#""packet_len_err":0,"advert_interval_err":0,"ip_ttl_err":0,"invalid_type_rcvd":0,"#,
            r#""addr_list_err":0,"invalid_authtype":0,"authtype_mismatch":0,"auth_failure":0,"#,
            r#""pri_zero_rcvd":0,"pri_zero_sent":0,"checksum_err":0,"version_err":0,"#,
            r#""unicast_src_err":0}}"#
        );
        assert_eq!(text, expected);
    }

    #[test]
    fn password_only_on_request() {
        let mut buf = [0u8; OBJECT_BUF];
        let n = instance_object(&sample(&[], &[]), true, &mut buf).unwrap();
        let text = core::str::from_utf8(&buf[..n]).unwrap();
        assert!(
            text.contains(r#""auth_type":1,"auth_data":"1111","#),
            "{text}"
        );
        assert!(
            !text.contains("\"vips\""),
            "empty lists are left out, as keepalived does"
        );
    }

    #[test]
    fn whole_array_and_oversized_instance() {
        let mut out = Vec::new();
        let mut small = [0u8; 64];
        write_all(
            [sample(&[], &[]), sample(&[], &[])].into_iter(),
            false,
            &mut small,
            &mut out,
        )
        .unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "[{\"data\":{\"iname\":\"VI_1\",\"error\":\"too large\"}},\
             {\"data\":{\"iname\":\"VI_1\",\"error\":\"too large\"}}]\n"
        );
        let _ = IfName::new();
    }
}
