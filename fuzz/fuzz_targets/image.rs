//! Reading a QR code from arbitrary image bytes stays within its budget: it never panics, its
//! work never passes the budget's units, and it stops within its time (plus one pass, the most
//! the reader can overshoot: the budget is checked before every pass and every grid). Run with
//! `-rss_limit_mb=512` so that memory is held to the same ceiling as the tests. Seed it with
//! `cargo run --example gen_image_corpus`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use skillcert::qr::read::{parse_image_within, Budget};
use std::time::{Duration, Instant};

const BUDGET: Budget = Budget {
    time: Duration::from_millis(1500),
    work: 600_000_000,
};

fuzz_target!(|data: &[u8]| {
    let t = Instant::now();
    let r = parse_image_within(data, BUDGET);
    let took = t.elapsed();
    if let Ok((_, stats)) = &r {
        assert!(stats.work <= BUDGET.work);
    }
    assert!(
        took < BUDGET.time * 3,
        "image read took {took:?}, budget {:?}",
        BUDGET.time
    );
});
