//! contact-center-exporter: the binary. Parses flags and turns outcomes into exit codes.

use clap::Parser;
use contact_center_exporter::{app, cli::Cli, logging};

fn main() {
    let cli = Cli::parse();
    logging::init(cli.log_level, cli.log_format);
    if cli.config_check {
        std::process::exit(app::config_check(&cli.config_file));
    }
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start the async runtime: {e}");
            std::process::exit(1);
        }
    };
    let code = match rt.block_on(app::run(cli)) {
        Ok(code) => code,
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "fatal");
            1
        }
    };
    std::process::exit(code);
}
