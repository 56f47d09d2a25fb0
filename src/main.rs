//! `keepalived-rs`: keepalived's command line in front of the VRRP daemon.
//!
//! Implemented here: `-t` (config test with keepalived's exit classes), `-d` (dump the parsed
//! config in canonical syntax), `-v`, `-h`, `--signum=NAME`. Running the daemon goes through
//! [`run_daemon`], the hook the daemon layer replaces.

use std::io::Write;
use std::process::ExitCode;

use keepalived_rs::cli::{self, Cli};
use keepalived_rs::config::{self, Config, LoadOptions};
use keepalived_rs::daemon;
use keepalived_rs::logging::{self, LogConfig};

#[cfg(feature = "alloc-audit")]
#[global_allocator]
static ALLOC: keepalived_rs::sys::alloc::CountingAlloc = keepalived_rs::sys::alloc::CountingAlloc;

/// Loading builds large tables on the stack; keeping that frame out of `main` (which lives as
/// long as the daemon) lets the daemon hand those pages back after start-up.
#[inline(never)]
fn load(path: &std::path::Path, opts: &LoadOptions) -> config::Loaded {
    config::load(path, opts)
}

fn iface_exists(name: &str) -> bool {
    keepalived_rs::sys::ioctl::ifindex(name).is_some()
}

fn main() -> ExitCode {
    keepalived_rs::sys::daemonize::open_std_streams();
    keepalived_rs::sys::daemonize::cloexec_inherited();
    keepalived_rs::sys::mem::keep_large_allocations_mapped();
    let cli = match Cli::parse(std::env::args().skip(1)) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("keepalived-rs: {e}");
            eprint!("{}", cli::USAGE);
            return ExitCode::from(1);
        }
    };
    if cli.help {
        print!("{}", cli::USAGE);
        return ExitCode::SUCCESS;
    }
    if cli.version {
        print_version();
        return ExitCode::SUCCESS;
    }
    if let Some(name) = &cli.signum {
        return match cli::signum(name) {
            Some(n) => {
                println!("{n}");
                ExitCode::SUCCESS
            }
            None => {
                eprintln!("Unknown signal name {name}");
                ExitCode::from(1)
            }
        };
    }
    if cli.genhash {
        eprintln!("keepalived-rs: genhash (-T) is not supported");
        return ExitCode::from(1);
    }

    let opts = LoadOptions {
        config_id: cli.config_id.clone(),
        all_config: cli.all_config,
        // keepalived's -t reports interfaces that do not exist; the daemon waits for them.
        iface_exists: cli.config_test.is_some().then_some(iface_exists),
    };
    let loaded = load(&cli.config_file, &opts);

    if let Some(log) = &cli.config_test {
        let text = loaded.diags.to_string();
        match log {
            Some(path) => {
                if let Err(e) = std::fs::write(path, &text) {
                    eprintln!("keepalived-rs: cannot write {}: {e}", path.display());
                }
            }
            None => eprint!("{text}"),
        }
        if cli.dump_conf {
            if let Some(c) = &loaded.config {
                print!("{}", config::dump::dump(c));
            }
        }
        return ExitCode::from(loaded.diags.exit_code() as u8);
    }

    eprint!("{}", loaded.diags);
    let Some(cfg) = loaded.config else {
        // keepalived's KEEPALIVED_EXIT_CONFIG: the daemon cannot start from this file.
        return ExitCode::from(daemon::EXIT_CONFIG as u8);
    };
    if cli.dump_conf {
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(config::dump::dump(&cfg).as_bytes());
        let _ = out.flush();
    }
    run_daemon(cli, cfg)
}

fn print_version() {
    println!(
        "Keepalived-rs v{} ({})",
        env!("CARGO_PKG_VERSION"),
        env!("KEEPALIVED_RS_GIT")
    );
    println!("Compatible with keepalived 2.2.7 configuration and VRRP behaviour");
    println!("Target: {}", env!("KEEPALIVED_RS_TARGET"));
    println!("Build limits:");
    for (name, value) in keepalived_rs::limits::ALL {
        println!("  {name} = {value}");
    }
}

/// Runs the VRRP daemon with a loaded, validated configuration: logging (`-l -D -S -G`), the
/// pid-file check (keepalived logs "daemon is already running" and exits 0), daemonising
/// unless `-n`, then the event loop until SIGTERM/SIGINT.
fn run_daemon(cli: Cli, config: Box<Config>) -> ExitCode {
    logging::init(LogConfig {
        console: cli.log_console,
        syslog: !cli.no_syslog,
        detail: cli.log_detail,
        facility: cli.log_facility,
    });
    log::info!("Starting keepalived-rs v{}", env!("CARGO_PKG_VERSION"));
    let opts = daemon::RunOpts {
        dont_release_vrrp: cli.dont_release_vrrp,
        release_vips: cli.release_vips,
        json_auth: cli.json_auth,
        pid_file: Some(cli.pid_file.clone()),
        vrrp_pid_file: Some(cli.vrrp_pid_file.clone()),
        config_path: cli.config_file.clone(),
        load_opts: LoadOptions {
            config_id: cli.config_id.clone(),
            all_config: cli.all_config,
            iface_exists: None,
        },
    };
    if daemon::already_running(&opts) {
        log::info!("daemon is already running");
        return ExitCode::SUCCESS;
    }
    if let Some(mask) = cli.umask {
        keepalived_rs::sys::set_umask(mask);
    }
    if !cli.dont_fork {
        if let Err(e) = keepalived_rs::sys::daemonize::daemonize() {
            log::error!("Unable to daemonize: {e}");
            return ExitCode::from(daemon::EXIT_FATAL as u8);
        }
    }
    ExitCode::from(daemon::run(config, opts) as u8)
}
