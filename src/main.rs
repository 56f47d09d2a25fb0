//! `keepalived-rs`: keepalived's command line in front of the VRRP daemon.
//!
//! Implemented here: `-t` (config test with keepalived's exit classes), `-d` (dump the parsed
//! config in canonical syntax), `-v`, `-h`, `--signum=NAME`. Running the daemon goes through
//! [`run_daemon`], the hook the daemon layer replaces.

use std::io::Write;
use std::process::ExitCode;

use keepalived_rs::cli::{self, Cli};
use keepalived_rs::config::{self, Config, LoadOptions};

fn main() -> ExitCode {
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
    };
    let loaded = config::load(&cli.config_file, &opts);

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
        return ExitCode::from(1);
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

// ---------------------------------------------------------------------------------------------
// DAEMON HOOK: the daemon engineer replaces this function with the real event loop.
// ---------------------------------------------------------------------------------------------
/// Runs the VRRP daemon with a loaded, validated configuration.
fn run_daemon(_cli: Cli, _config: Box<Config>) -> ExitCode {
    eprintln!("daemon not built yet");
    ExitCode::from(1)
}
