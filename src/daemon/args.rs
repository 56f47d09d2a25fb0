//! A minimal keepalived command line for the daemon path (used until `src/cli.rs` lands):
//! `-f FILE -n -l -D -S FAC -G -p PID -r PID -P -V -X -i ID -t -v -h` plus the long forms.

use std::path::PathBuf;

/// The flags the run path needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Args {
    pub config: PathBuf,
    pub dont_fork: bool,
    pub log_console: bool,
    pub log_detail: bool,
    pub facility: i32,
    pub no_syslog: bool,
    pub pid_file: PathBuf,
    pub vrrp_pid_file: PathBuf,
    pub vrrp_only: bool,
    pub dont_release_vrrp: bool,
    pub release_vips: bool,
    pub config_id: Option<String>,
    pub config_test: bool,
    pub version: bool,
    pub help: bool,
}

impl Default for Args {
    fn default() -> Self {
        Args {
            config: PathBuf::from("/etc/keepalived/keepalived.conf"),
            dont_fork: false,
            log_console: false,
            log_detail: false,
            facility: libc::LOG_DAEMON,
            no_syslog: false,
            pid_file: PathBuf::from("/run/keepalived.pid"),
            vrrp_pid_file: PathBuf::from("/run/keepalived_vrrp.pid"),
            vrrp_only: false,
            dont_release_vrrp: false,
            release_vips: false,
            config_id: None,
            config_test: false,
            version: false,
            help: false,
        }
    }
}

pub const USAGE: &str = "Usage: keepalived-rs [OPTION...]
  -f, --use-file=FILE          Use the specified configuration file
  -P, --vrrp                   Only run with VRRP subsystem (the only one)
  -l, --log-console            Log messages to local console
  -D, --log-detail             Detailed log messages
  -S, --log-facility=[0-7]     Set syslog facility to LOG_LOCAL[0-7]
  -G, --no-syslog              Don't log via syslog
  -X, --release-vips           Drop VIP on transition from signal
  -V, --dont-release-vrrp      Don't remove VRRP VIPs and VROUTEs on daemon stop
  -n, --dont-fork              Don't fork the daemon process
  -p, --pid=FILE               Use specified pidfile for parent process
  -r, --vrrp_pid=FILE          Use specified pidfile for VRRP child process
  -i, --config-id id           Skip any configuration lines beginning '@' that don't match id
  -t, --config-test            Check the configuration for obvious errors
  -v, --version                Display the version number
  -h, --help                   Display this help message
";

/// Parse `argv` (without the program name). Errors name the offending argument.
pub fn parse<I: IntoIterator<Item = String>>(argv: I) -> Result<Args, String> {
    let mut a = Args::default();
    let mut it = argv.into_iter();
    while let Some(arg) = it.next() {
        // --long=value and -xVALUE forms
        let (flag, inline) = if let Some(l) = arg.strip_prefix("--") {
            match l.split_once('=') {
                Some((k, v)) => (format!("--{k}"), Some(v.to_string())),
                None => (arg.clone(), None),
            }
        } else if arg.len() > 2 && arg.starts_with('-') && !arg.starts_with("--") {
            let (k, v) = arg.split_at(2);
            if "fSpri".contains(&k[1..]) {
                (k.to_string(), Some(v.to_string()))
            } else {
                return Err(format!("unknown or combined option '{arg}'"));
            }
        } else {
            (arg.clone(), None)
        };
        let mut value = |name: &str| -> Result<String, String> {
            match inline.clone() {
                Some(v) => Ok(v),
                None => it
                    .next()
                    .ok_or(format!("option '{name}' requires an argument")),
            }
        };
        match flag.as_str() {
            "-f" | "--use-file" => a.config = PathBuf::from(value(&flag)?),
            "-n" | "--dont-fork" => a.dont_fork = true,
            "-l" | "--log-console" => a.log_console = true,
            "-D" | "--log-detail" => a.log_detail = true,
            "-S" | "--log-facility" => {
                let v = value(&flag)?;
                a.facility = crate::logging::parse_facility(&v)
                    .ok_or(format!("invalid log facility '{v}'"))?;
            }
            "-G" | "--no-syslog" => a.no_syslog = true,
            "-p" | "--pid" => a.pid_file = PathBuf::from(value(&flag)?),
            "-r" | "--vrrp_pid" => a.vrrp_pid_file = PathBuf::from(value(&flag)?),
            "-P" | "--vrrp" => a.vrrp_only = true,
            "-V" | "--dont-release-vrrp" => a.dont_release_vrrp = true,
            "-X" | "--release-vips" => a.release_vips = true,
            "-i" | "--config-id" => a.config_id = Some(value(&flag)?),
            "-t" | "--config-test" => a.config_test = true,
            "-v" | "--version" => a.version = true,
            "-h" | "--help" => a.help = true,
            _ => return Err(format!("unknown option '{arg}'")),
        }
    }
    Ok(a)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Result<Args, String> {
        parse(s.split_whitespace().map(String::from))
    }

    #[test]
    fn run_path_flags() {
        let a = p("-n -l -D -f /tmp/k.conf -p /tmp/a.pid -r /tmp/b.pid -S 3 -V -P").expect("args");
        assert!(a.dont_fork && a.log_console && a.log_detail && a.dont_release_vrrp);
        assert_eq!(a.config, PathBuf::from("/tmp/k.conf"));
        assert_eq!(a.vrrp_pid_file, PathBuf::from("/tmp/b.pid"));
        assert_eq!(a.facility, libc::LOG_LOCAL3);
        let b = p("--use-file=/x.conf -S local7 -f/y.conf").expect("args");
        assert_eq!(b.config, PathBuf::from("/y.conf"));
        assert!(p("-Q").is_err());
        assert!(p("-f").is_err());
        assert_eq!(
            p("").expect("args").pid_file,
            PathBuf::from("/run/keepalived.pid")
        );
    }
}
