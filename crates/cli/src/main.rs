//! `skillcert`: the command line (see `skillcert --help`); all of it lives in the
//! `skillcert-cli` library.
#![forbid(unsafe_code)]

// The binary and the benchmarks use mimalloc: the verify path makes many small JSON
// allocations, and with glibc's malloc they cost about 40% of a token check.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    // `skillcert verify … | head` closes stdout early: end quietly, as a Unix filter would,
    // instead of reporting `println!`'s broken-pipe panic.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let msg = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if msg.contains("failed printing to stdout") && msg.contains("Broken pipe") {
            std::process::exit(141);
        }
        default_hook(info);
    }));
    std::process::exit(skillcert_cli::main());
}
