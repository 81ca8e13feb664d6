//! The `countersign` command: runs a node and is its command-line client.
//!
//! Every subcommand that touches a node opens its data directory directly
//! (the SQLite database is shared safely with a running server). Exit
//! codes are deliberate, so scripts can tell failures apart: see
//! [`cli::exit`].

mod cli;

use clap::Parser;

/// jemalloc rather than glibc malloc: the node allocates on the async
/// workers and frees on the SQLite writer thread, which glibc's arenas
/// handle badly (a sixth of each node's CPU under federation load; 7%
/// less CPU per notification end to end with jemalloc, where mimalloc
/// gave 3%: docs/architecture.md). Unprefixed (a workspace feature), it
/// is the C code's `malloc` too, SQLite's included.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> std::process::ExitCode {
    let args = cli::Cli::parse();
    cli::init_tracing(args.verbose);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return std::process::ExitCode::from(cli::exit::INTERNAL);
        }
    };
    match runtime.block_on(cli::run(args)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::from(cli::exit::code_for(&e))
        }
    }
}
