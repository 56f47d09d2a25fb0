//! keepalived's command line (2.2.7, `keepalived --help`), hand-written (no clap).
//!
//! getopt_long rules: short flags combine (`-nlD`); a short option's required argument may be
//! attached (`-fFILE`) or the next word (`-f FILE`); an optional argument must be attached
//! (`-tLOG`, `--config-test=LOG`); long options take `--opt=ARG` or `--opt ARG`; `--` ends the
//! options. Anything else is an error (keepalived prints its usage and exits 1).

use std::path::PathBuf;

/// Default configuration file.
pub const DEFAULT_CONFIG: &str = "/etc/keepalived/keepalived.conf";
/// Default pid file of the parent process.
pub const DEFAULT_PID: &str = "/run/keepalived.pid";
/// Default pid file of the VRRP process.
pub const DEFAULT_VRRP_PID: &str = "/run/keepalived_vrrp.pid";

/// Everything the command line says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cli {
    /// `-f/--use-file FILE`
    pub config_file: PathBuf,
    /// `-P/--vrrp`
    pub vrrp_only: bool,
    /// `-C/--check`
    pub check_only: bool,
    /// `-B/--no_bfd`
    pub no_bfd: bool,
    /// `--all`
    pub all: bool,
    /// `-l/--log-console`
    pub log_console: bool,
    /// `-D/--log-detail`
    pub log_detail: bool,
    /// `-S/--log-facility 0-7|local0-7|user|daemon`: the syslog facility code (LOG_DAEMON = 3<<3).
    pub log_facility: i32,
    /// `-G/--no-syslog`
    pub no_syslog: bool,
    /// `-u/--umask MASK` (octal, or hex with 0x, or decimal)
    pub umask: Option<u32>,
    /// `-X/--release-vips`
    pub release_vips: bool,
    /// `-V/--dont-release-vrrp`
    pub dont_release_vrrp: bool,
    /// `-I/--dont-release-ipvs`
    pub dont_release_ipvs: bool,
    /// `-R/--dont-respawn`
    pub dont_respawn: bool,
    /// `-n/--dont-fork`
    pub dont_fork: bool,
    /// `-d/--dump-conf`
    pub dump_conf: bool,
    /// `-p/--pid FILE`
    pub pid_file: PathBuf,
    /// `-r/--vrrp_pid FILE`
    pub vrrp_pid_file: PathBuf,
    /// `-c/--checkers_pid FILE`
    pub checkers_pid_file: Option<PathBuf>,
    /// `-b/--bfd_pid FILE`
    pub bfd_pid_file: Option<PathBuf>,
    /// `-T/--genhash` (not supported: reported by main)
    pub genhash: bool,
    /// `-a/--address-monitoring`
    pub address_monitoring: bool,
    /// `-x/--snmp`
    pub snmp: bool,
    /// `-A/--snmp-agent-socket ADDR`
    pub snmp_agent_socket: Option<String>,
    /// `-s/--namespace NAME`
    pub namespace: Option<String>,
    /// `-m/--core-dump`
    pub core_dump: bool,
    /// `-M/--core-dump-pattern[=PATTERN]`: Some(None) = the default pattern.
    pub core_dump_pattern: Option<Option<String>>,
    /// `-e/--all-config`
    pub all_config: bool,
    /// `-i/--config-id ID`
    pub config_id: Option<String>,
    /// `--signum=NAME`
    pub signum: Option<String>,
    /// `--json-auth`: write the real `auth_data` in keepalived.json, as keepalived does
    /// (ours: redacted by default).
    pub json_auth: bool,
    /// `-t/--config-test[=LOGFILE]`: Some(None) = diagnostics to stderr.
    pub config_test: Option<Option<PathBuf>>,
    /// `-v/--version`
    pub version: bool,
    /// `-h/--help`
    pub help: bool,
}

impl Default for Cli {
    fn default() -> Self {
        Cli {
            config_file: PathBuf::from(DEFAULT_CONFIG),
            vrrp_only: false,
            check_only: false,
            no_bfd: false,
            all: false,
            log_console: false,
            log_detail: false,
            log_facility: 3 << 3,
            no_syslog: false,
            umask: None,
            release_vips: false,
            dont_release_vrrp: false,
            dont_release_ipvs: false,
            dont_respawn: false,
            dont_fork: false,
            dump_conf: false,
            pid_file: PathBuf::from(DEFAULT_PID),
            vrrp_pid_file: PathBuf::from(DEFAULT_VRRP_PID),
            checkers_pid_file: None,
            bfd_pid_file: None,
            genhash: false,
            address_monitoring: false,
            snmp: false,
            snmp_agent_socket: None,
            namespace: None,
            core_dump: false,
            core_dump_pattern: None,
            all_config: false,
            config_id: None,
            signum: None,
            json_auth: false,
            config_test: None,
            version: false,
            help: false,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Arg {
    No,
    Required,
    Optional,
}

/// (short, long, argument)
const OPTS: &[(Option<char>, &str, Arg)] = &[
    (Some('f'), "use-file", Arg::Required),
    (Some('P'), "vrrp", Arg::No),
    (Some('C'), "check", Arg::No),
    (Some('B'), "no_bfd", Arg::No),
    (None, "all", Arg::No),
    (Some('l'), "log-console", Arg::No),
    (Some('D'), "log-detail", Arg::No),
    (Some('S'), "log-facility", Arg::Required),
    (Some('G'), "no-syslog", Arg::No),
    (Some('u'), "umask", Arg::Required),
    (Some('X'), "release-vips", Arg::No),
    (Some('V'), "dont-release-vrrp", Arg::No),
    (Some('I'), "dont-release-ipvs", Arg::No),
    (Some('R'), "dont-respawn", Arg::No),
    (Some('n'), "dont-fork", Arg::No),
    (Some('d'), "dump-conf", Arg::No),
    (Some('p'), "pid", Arg::Required),
    (Some('r'), "vrrp_pid", Arg::Required),
    (Some('c'), "checkers_pid", Arg::Required),
    (Some('b'), "bfd_pid", Arg::Required),
    (Some('T'), "genhash", Arg::No),
    (Some('a'), "address-monitoring", Arg::No),
    (Some('x'), "snmp", Arg::No),
    (Some('A'), "snmp-agent-socket", Arg::Required),
    (Some('s'), "namespace", Arg::Required),
    (Some('m'), "core-dump", Arg::No),
    (Some('M'), "core-dump-pattern", Arg::Optional),
    (Some('e'), "all-config", Arg::No),
    (Some('i'), "config-id", Arg::Required),
    (None, "signum", Arg::Required),
    (None, "json-auth", Arg::No),
    (Some('t'), "config-test", Arg::Optional),
    (Some('v'), "version", Arg::No),
    (Some('h'), "help", Arg::No),
];

/// A command-line mistake; `Display` is the message keepalived-style.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CliError(pub String);

impl core::fmt::Display for CliError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Cli {
    /// Parses the arguments after the program name.
    pub fn parse<I: IntoIterator<Item = String>>(args: I) -> Result<Cli, CliError> {
        let mut cli = Cli::default();
        let mut it = args.into_iter();
        while let Some(a) = it.next() {
            if a == "--" {
                if let Some(extra) = it.next() {
                    return Err(CliError(format!("unexpected argument '{extra}'")));
                }
                break;
            }
            if let Some(long) = a.strip_prefix("--") {
                let (name, attached) = match long.split_once('=') {
                    Some((n, v)) => (n, Some(v.to_string())),
                    None => (long, None),
                };
                let matches: Vec<_> = OPTS.iter().filter(|o| o.1.starts_with(name)).collect();
                let opt = match OPTS.iter().find(|o| o.1 == name) {
                    Some(o) => o,
                    None if matches.len() == 1 && !name.is_empty() => match matches.first() {
                        Some(o) => o,
                        None => return Err(CliError(format!("unrecognized option '--{name}'"))),
                    },
                    None if matches.len() > 1 => {
                        return Err(CliError(format!("option '--{name}' is ambiguous")))
                    }
                    None => return Err(CliError(format!("unrecognized option '--{name}'"))),
                };
                let val = match (opt.2, attached) {
                    (Arg::No, Some(_)) => {
                        return Err(CliError(format!(
                            "option '--{}' doesn't allow an argument",
                            opt.1
                        )))
                    }
                    (Arg::No, None) | (Arg::Optional, None) => None,
                    (_, Some(v)) => Some(v),
                    (Arg::Required, None) => match it.next() {
                        Some(v) => Some(v),
                        None => {
                            return Err(CliError(format!(
                                "option '--{}' requires an argument",
                                opt.1
                            )))
                        }
                    },
                };
                cli.apply(opt.1, val)?;
                continue;
            }
            let Some(shorts) = a.strip_prefix('-').filter(|s| !s.is_empty()) else {
                return Err(CliError(format!("unexpected argument '{a}'")));
            };
            for (i, c) in shorts.char_indices() {
                let Some(opt) = OPTS.iter().find(|o| o.0 == Some(c)) else {
                    return Err(CliError(format!("invalid option -- '{c}'")));
                };
                let rest = shorts.get(i + c.len_utf8()..).unwrap_or("");
                let val = match opt.2 {
                    Arg::No => None,
                    Arg::Optional => (!rest.is_empty()).then(|| rest.to_string()),
                    Arg::Required if !rest.is_empty() => Some(rest.to_string()),
                    Arg::Required => match it.next() {
                        Some(v) => Some(v),
                        None => {
                            return Err(CliError(format!("option requires an argument -- '{c}'")))
                        }
                    },
                };
                let consumed_rest = opt.2 != Arg::No && !rest.is_empty();
                cli.apply(opt.1, val)?;
                if consumed_rest {
                    break;
                }
            }
        }
        Ok(cli)
    }

    fn apply(&mut self, long: &str, val: Option<String>) -> Result<(), CliError> {
        let v = val.clone().unwrap_or_default();
        match long {
            "use-file" => self.config_file = PathBuf::from(v),
            "vrrp" => self.vrrp_only = true,
            "check" => self.check_only = true,
            "no_bfd" => self.no_bfd = true,
            "all" => self.all = true,
            "log-console" => self.log_console = true,
            "log-detail" => self.log_detail = true,
            "log-facility" => {
                self.log_facility = parse_facility(&v)
                    .ok_or_else(|| CliError(format!("invalid log facility '{v}'")))?
            }
            "no-syslog" => self.no_syslog = true,
            "umask" => {
                self.umask =
                    Some(parse_umask(&v).ok_or_else(|| CliError(format!("invalid umask '{v}'")))?)
            }
            "release-vips" => self.release_vips = true,
            "dont-release-vrrp" => self.dont_release_vrrp = true,
            "dont-release-ipvs" => self.dont_release_ipvs = true,
            "dont-respawn" => self.dont_respawn = true,
            "dont-fork" => self.dont_fork = true,
            "dump-conf" => self.dump_conf = true,
            "pid" => self.pid_file = PathBuf::from(v),
            "vrrp_pid" => self.vrrp_pid_file = PathBuf::from(v),
            "checkers_pid" => self.checkers_pid_file = Some(PathBuf::from(v)),
            "bfd_pid" => self.bfd_pid_file = Some(PathBuf::from(v)),
            "genhash" => self.genhash = true,
            "address-monitoring" => self.address_monitoring = true,
            "snmp" => self.snmp = true,
            "snmp-agent-socket" => self.snmp_agent_socket = Some(v),
            "namespace" => self.namespace = Some(v),
            "core-dump" => self.core_dump = true,
            "core-dump-pattern" => self.core_dump_pattern = Some(val),
            "all-config" => self.all_config = true,
            "config-id" => self.config_id = Some(v),
            "signum" => self.signum = Some(v),
            "json-auth" => self.json_auth = true,
            "config-test" => self.config_test = Some(val.map(PathBuf::from)),
            "version" => self.version = true,
            "help" => self.help = true,
            _ => return Err(CliError(format!("unrecognized option '--{long}'"))),
        }
        Ok(())
    }
}

/// `0-7` (local0-7), `local0-7`, `user`, `daemon` → syslog facility code.
fn parse_facility(s: &str) -> Option<i32> {
    let local = |n: i32| (16 + n) << 3;
    match s {
        "user" => Some(1 << 3),
        "daemon" => Some(3 << 3),
        _ => {
            let n = s.strip_prefix("local").unwrap_or(s);
            match n.parse::<i32>() {
                Ok(k) if (0..=7).contains(&k) => Some(local(k)),
                _ => None,
            }
        }
    }
}

/// strtoul(.., 0): `0x..` hex, `0..` octal, else decimal.
fn parse_umask(s: &str) -> Option<u32> {
    let v = if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        u32::from_str_radix(h, 16).ok()?
    } else if s.len() > 1 && s.starts_with('0') {
        u32::from_str_radix(s.get(1..)?, 8).ok()?
    } else {
        s.parse().ok()?
    };
    (v <= 0o777).then_some(v)
}

/// `--signum=NAME` → the signal number keepalived uses for it (run-time values for the
/// real-time ones: SIGRTMIN is 34 on glibc, 35 on musl).
pub fn signum(name: &str) -> Option<i32> {
    Some(match name {
        "STOP" => libc::SIGTERM,
        "RELOAD" => libc::SIGHUP,
        "DATA" => libc::SIGUSR1,
        "STATS" => libc::SIGUSR2,
        "STATS_CLEAR" => libc::SIGRTMAX() - 1,
        "JSON" => libc::SIGRTMIN() + 2,
        _ => return None,
    })
}

/// The `-h` text.
pub const USAGE: &str = "Usage: keepalived-rs [OPTION...]
  -f, --use-file=FILE          Use the specified configuration file
  -P, --vrrp                   Only run with VRRP subsystem
  -C, --check                  Only run with Health-checker subsystem (not supported)
  -B, --no_bfd                 Don't run BFD subsystem
      --all                    Force all child processes to run, even if have no configuration
  -l, --log-console            Log messages to local console
  -D, --log-detail             Detailed log messages
  -S, --log-facility=[0-7]     Set syslog facility to LOG_LOCAL[0-7]
  -G, --no-syslog              Don't log via syslog
  -u, --umask=MASK             umask for file creation (in numeric form)
  -X, --release-vips           Drop VIP on transition from signal.
  -V, --dont-release-vrrp      Don't remove VRRP VIPs and VROUTEs on daemon stop
  -I, --dont-release-ipvs      Don't remove IPVS topology on daemon stop
  -R, --dont-respawn           Don't respawn child processes
  -n, --dont-fork              Don't fork the daemon process
  -d, --dump-conf              Dump the configuration data
  -p, --pid=FILE               Use specified pidfile for parent process
  -r, --vrrp_pid=FILE          Use specified pidfile for VRRP child process
  -c, --checkers_pid=FILE      Use specified pidfile for checkers child process
  -b, --bfd_pid=FILE           Use specified pidfile for BFD child process
  -a, --address-monitoring     Report all address additions/deletions notified via netlink
  -x, --snmp                   Enable SNMP subsystem (not supported)
  -A, --snmp-agent-socket=FILE Use the specified socket for master agent
  -s, --namespace=NAME         Run in network namespace NAME (overrides config)
  -m, --core-dump              Produce core dump if terminate abnormally
  -M, --core-dump-pattern=PATN Also set /proc/sys/kernel/core_pattern to PATN (default 'core')
  -e, --all-config             Error if any configuration file missing (same as includet)
  -i, --config-id id           Skip any configuration lines beginning '@' that don't match id
                                or any lines beginning @^ that do match.
                                The config-id defaults to the node name if option not used
      --signum=SIGFUNC         Return signal number for STOP, RELOAD, DATA, STATS, STATS_CLEAR, JSON
      --json-auth              Write the authentication password in keepalived.json
                                (default: auth_data is \"\")
  -t, --config-test[=LOG_FILE] Check the configuration for obvious errors, output to
                                stderr by default
  -v, --version                Display the version number
  -h, --help                   Display this help message
";

#[cfg(test)]
mod tests {
    use super::*;

    fn p(args: &[&str]) -> Result<Cli, CliError> {
        Cli::parse(args.iter().map(|s| s.to_string()))
    }

    #[test]
    fn defaults() {
        let c = p(&[]).unwrap_or_default();
        assert_eq!(
            c.config_file,
            PathBuf::from("/etc/keepalived/keepalived.conf")
        );
        assert_eq!(c.pid_file, PathBuf::from("/run/keepalived.pid"));
        assert_eq!(c.vrrp_pid_file, PathBuf::from("/run/keepalived_vrrp.pid"));
        assert_eq!(c.config_test, None);
    }

    #[test]
    fn combined_and_attached() {
        let c = p(&[
            "-nlD",
            "-fa.conf",
            "-p",
            "/tmp/p",
            "--vrrp_pid=/tmp/v",
            "-S",
            "local3",
        ])
        .unwrap_or_default();
        assert!(c.dont_fork && c.log_console && c.log_detail);
        assert_eq!(c.config_file, PathBuf::from("a.conf"));
        assert_eq!(c.pid_file, PathBuf::from("/tmp/p"));
        assert_eq!(c.vrrp_pid_file, PathBuf::from("/tmp/v"));
        assert_eq!(c.log_facility, 19 << 3);
        let c = p(&["-nf", "b.conf"]).unwrap_or_default();
        assert!(c.dont_fork);
        assert_eq!(c.config_file, PathBuf::from("b.conf"));
        let c = p(&["--use-file", "c.conf", "--dump-conf"]).unwrap_or_default();
        assert_eq!(c.config_file, PathBuf::from("c.conf"));
        assert!(c.dump_conf);
    }

    #[test]
    fn optional_arguments_must_be_attached() {
        assert_eq!(p(&["-t"]).map(|c| c.config_test), Ok(Some(None)));
        assert_eq!(
            p(&["-t/tmp/log"]).map(|c| c.config_test),
            Ok(Some(Some(PathBuf::from("/tmp/log"))))
        );
        assert_eq!(
            p(&["--config-test=/x"]).map(|c| c.config_test),
            Ok(Some(Some(PathBuf::from("/x"))))
        );
        assert!(p(&["--config-test", "/x"]).is_err());
        assert_eq!(p(&["-M"]).map(|c| c.core_dump_pattern), Ok(Some(None)));
    }

    #[test]
    fn every_flag() {
        let c = p(&[
            "-P",
            "-C",
            "-B",
            "--all",
            "-G",
            "-u",
            "077",
            "-X",
            "-V",
            "-I",
            "-R",
            "-d",
            "-c",
            "/c",
            "-b",
            "/b",
            "-a",
            "-x",
            "-A",
            "/sock",
            "-s",
            "ns1",
            "-m",
            "-e",
            "-i",
            "web1",
            "--signum=JSON",
            "--json-auth",
            "-v",
            "-h",
            "-T",
        ])
        .unwrap_or_default();
        assert!(c.vrrp_only && c.check_only && c.no_bfd && c.all && c.no_syslog);
        assert_eq!(c.umask, Some(0o77));
        assert!(c.release_vips && c.dont_release_vrrp && c.dont_release_ipvs && c.dont_respawn);
        assert!(c.dump_conf && c.address_monitoring && c.snmp && c.core_dump && c.all_config);
        assert_eq!(c.checkers_pid_file, Some(PathBuf::from("/c")));
        assert_eq!(c.bfd_pid_file, Some(PathBuf::from("/b")));
        assert_eq!(c.snmp_agent_socket.as_deref(), Some("/sock"));
        assert_eq!(c.namespace.as_deref(), Some("ns1"));
        assert_eq!(c.config_id.as_deref(), Some("web1"));
        assert_eq!(c.signum.as_deref(), Some("JSON"));
        assert!(c.json_auth);
        assert!(c.version && c.help && c.genhash);
    }

    #[test]
    fn errors() {
        assert!(p(&["-q"]).is_err());
        assert!(p(&["--nope"]).is_err());
        assert!(p(&["-f"]).is_err());
        assert!(p(&["--dont-fork=1"]).is_err());
        assert!(p(&["stray"]).is_err());
        assert!(p(&["-S", "local9"]).is_err());
    }

    #[test]
    fn long_prefixes() {
        assert_eq!(
            p(&["--use=x"]).map(|c| c.config_file),
            Ok(PathBuf::from("x"))
        );
        assert!(p(&["--dont-re"]).is_err()); // ambiguous
    }

    #[test]
    fn signal_numbers() {
        assert_eq!(signum("STOP"), Some(15));
        assert_eq!(signum("RELOAD"), Some(1));
        assert_eq!(signum("DATA"), Some(10));
        assert_eq!(signum("STATS"), Some(12));
        assert_eq!(signum("STATS_CLEAR"), Some(libc::SIGRTMAX() - 1));
        assert_eq!(signum("JSON"), Some(libc::SIGRTMIN() + 2));
        #[cfg(target_env = "gnu")]
        assert_eq!(signum("JSON"), Some(36));
        assert_eq!(signum("NOPE"), None);
    }
}
