//! Reading a QR code from arbitrary image bytes stays within its budget: it never panics, its
//! work never passes the budget's units, and it stops within the same wall-time ceiling as the
//! hostile-image tests (20 s). The budget is checked before every pass and every candidate
//! grid, so a read overshoots its time by at most one step; under the fuzzer's instrumentation
//! (ASan and coverage make the detector 10-15x slower) one step on a loaded machine took up to
//! 4.5 s, so the ceiling is not a multiple of the budget. What it catches is what the review
//! found: reads that run for minutes. Run with `-rss_limit_mb=512` so that memory is held to the
//! same ceiling as the tests. Seed it with `cargo run --example gen_image_corpus`; inputs it
//! found are kept in `tests/hostile/` and read by `tests/hostile_images.rs`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use skillcert_qrimage::read::{parse_image_within, Budget};
use std::time::{Duration, Instant};

const BUDGET: Budget = Budget {
    time: Duration::from_millis(1500),
    work: 600_000_000,
};

/// The hostile-image tests' ceiling on one read.
const CEILING: Duration = Duration::from_secs(20);

fuzz_target!(|data: &[u8]| {
    let t = Instant::now();
    let r = parse_image_within(data, BUDGET);
    let took = t.elapsed();
    if let Ok((_, stats)) = &r {
        assert!(stats.work <= BUDGET.work);
    }
    assert!(
        took < CEILING,
        "image read took {took:?}, budget {:?}",
        BUDGET.time
    );
});
