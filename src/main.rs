//! contact-center-exporter: the binary. Parses flags and turns outcomes into exit codes.

use contact_center_exporter::{app, cli::Cli, logging};

/// Large allocations (above 1 MiB: vendor response bodies, a day's parsed records) are
/// served by `mmap` and returned to the system when freed.
///
/// Without this, glibc raises its mmap threshold dynamically after the first large
/// buffer is freed (up to 32 MiB), so every later multi-megabyte page body lands on the
/// heap and its pages stay resident after the poll: a 100,000-record state-log day left
/// the daemon at its 35 MiB peak; with a fixed threshold it returns to 16 MiB (peak
/// 26 MiB). `cargo bench --bench memory` measures both.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn return_large_buffers_to_the_system() {
    // SAFETY: mallopt only adjusts allocator parameters; it is called before any other
    // thread exists, and a refusal (return 0) leaves glibc's defaults in place.
    let ok = unsafe { libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20) };
    if ok == 0 {
        eprintln!("mallopt(M_MMAP_THRESHOLD) refused; large buffers may stay resident");
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn return_large_buffers_to_the_system() {}

fn main() {
    return_large_buffers_to_the_system();
    let cli = Cli::from_env();
    logging::init(cli.log_level, cli.log_format);
    if let Some(f) = &cli.testing_clock_file {
        contact_center_exporter::clock::install(contact_center_exporter::clock::Clock::File(
            f.clone(),
        ));
    }
    if cli.config_check {
        std::process::exit(app::config_check(&cli.config_file, cli.probe));
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
