//! Hostile images (issue 10, findings 1–3 and the image part of 8): pictures built to make a QR
//! reader work hard or allocate a lot. Every read must end with a reason, inside a time ceiling
//! far above normal (a normal photo reads in well under a second) and a memory ceiling measured
//! by a counting allocator; the server must keep answering `/healthz` while as many hostile
//! uploads as there are cores, plus one, are being read, and must not let a timed-out request
//! free its decoder before the decode has stopped.
//!
//! The tests in this file run one at a time (one lock) so that each one's peak memory is its
//! own.

#![allow(
    clippy::unwrap_used,
    unreachable_pub,
    missing_docs,
    reason = "test and tool code: a failed unwrap is a failed run; helpers are not an API"
)]
#[path = "server/server_support.rs"]
mod server_support;

use image::codecs::jpeg::JpegEncoder;
use image::{GrayImage, ImageFormat, Luma, RgbaImage};
use peak_alloc::PeakAlloc;
use server_support::*;
use skillcert_qrimage::read::{self, Budget};
use std::io::{Cursor, Read, Write};
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[global_allocator]
static PEAK: PeakAlloc = PeakAlloc;

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// Ceiling on one image read, in wall time: the read's own budget is 3 s; this is far above
/// it so that a slow machine does not fail the test, and far below "minutes".
const TIME_CEILING: Duration = Duration::from_secs(20);
/// Ceiling on the memory one image read allocates at its peak (the largest accepted image is
/// 16 MP; its decoded pixels are at most 64 MiB, its grey copy 16 MiB, the scan copies ~6 MiB
/// each).
const READ_MEMORY_CEILING: usize = 192 << 20;
/// Ceiling on the whole server's extra memory while cores + 1 hostile uploads are in flight.
const SERVER_MEMORY_CEILING: usize = 640 << 20;

/// The reviewer's pattern: QR-finder-like 7x7 squares in an 8x8 cell, tiled, `scale` pixels a
/// module, grey levels 0/255.
fn finder_tiling(side: u32, scale: u32) -> GrayImage {
    const ROWS: [u8; 8] = [
        0b1111_1110,
        0b1000_0010,
        0b1011_1010,
        0b1011_1010,
        0b1011_1010,
        0b1000_0010,
        0b1111_1110,
        0,
    ];
    GrayImage::from_fn(side, side, |x, y| {
        let (x, y) = (x / scale, y / scale);
        let bit = (ROWS[(y % 8) as usize] >> (7 - x % 8)) & 1;
        Luma([if bit == 1 { 0 } else { 255 }])
    })
}

/// Finder-like squares of random sizes at random places over random speckle.
fn finder_noise(side: u32, seed: u64) -> GrayImage {
    let mut s = seed;
    let mut rnd = move |n: u32| {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s % u64::from(n)) as u32
    };
    let mut img = GrayImage::from_fn(side, side, |_, _| Luma([200]));
    for _ in 0..side * side / 40 {
        let (x, y) = (rnd(side), rnd(side));
        img.put_pixel(x, y, Luma([rnd(256) as u8]));
    }
    for _ in 0..600 {
        let m = 1 + rnd(6);
        let (ox, oy) = (
            rnd(side.saturating_sub(7 * m)),
            rnd(side.saturating_sub(7 * m)),
        );
        for dy in 0..7 * m {
            for dx in 0..7 * m {
                let (cx, cy) = (dx / m, dy / m);
                let ring = cx == 0 || cy == 0 || cx == 6 || cy == 6;
                let stone = (2..=4).contains(&cx) && (2..=4).contains(&cy);
                let v = if ring || stone { 0 } else { 255 };
                img.put_pixel(ox + dx, oy + dy, Luma([v]));
            }
        }
    }
    img
}

fn png(img: &GrayImage) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, ImageFormat::Png).unwrap();
    out.into_inner()
}

fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut c = (data.len() as u32).to_be_bytes().to_vec();
    c.extend_from_slice(kind);
    c.extend_from_slice(data);
    let mut crc = flate2::Crc::new();
    crc.update(kind);
    crc.update(data);
    c.extend_from_slice(&crc.sum().to_be_bytes());
    c
}

/// `png` with `extra` chunks inserted after `IHDR`.
fn with_chunks(png: &[u8], extra: &[Vec<u8>]) -> Vec<u8> {
    let mut out = png[..33].to_vec();
    for c in extra {
        out.extend_from_slice(c);
    }
    out.extend_from_slice(&png[33..]);
    out
}

/// A small PNG with an `iCCP` chunk that inflates to 256 MiB.
fn iccp_bomb() -> Vec<u8> {
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..256 {
        z.write_all(&zeros).unwrap();
    }
    let mut data = b"icc\0\0".to_vec();
    data.extend(z.finish().unwrap());
    with_chunks(
        &png(&GrayImage::from_pixel(64, 64, Luma([255]))),
        &[chunk(b"iCCP", &data)],
    )
}

/// A 40-megapixel RGBA PNG of one colour (a small file).
fn huge_rgba() -> Vec<u8> {
    let img = RgbaImage::from_pixel(6400, 6250, image::Rgba([255, 255, 255, 255]));
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, ImageFormat::Png).unwrap();
    out.into_inner()
}

/// The largest image accepted (16 MP, RGBA; every row alike, so the file is small): the most
/// memory a legal upload costs.
fn largest_accepted() -> Vec<u8> {
    let img = RgbaImage::from_fn(4000, 4000, |x, _| {
        image::Rgba([(x % 251) as u8, (x % 241) as u8, (x % 239) as u8, 255])
    });
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, ImageFormat::Png).unwrap();
    out.into_inner()
}

fn jpeg(img: &GrayImage) -> Vec<u8> {
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, 90)
        .encode_image(img)
        .unwrap();
    out
}

/// The hostile corpus: (name, file).
fn corpus() -> Vec<(String, Vec<u8>)> {
    let mut c = Vec::new();
    let reviewers = png(&finder_tiling(600, 1));
    // Padded past 16 KiB with a text chunk, as in finding 2.
    let padded = with_chunks(&reviewers, &[chunk(b"tEXt", &[b'x'; 20 << 10])]);
    c.push((
        "finder tiling 600 px (the reviewer's)".to_string(),
        reviewers,
    ));
    c.push((
        "finder tiling 600 px padded past 16 KiB".to_string(),
        padded,
    ));
    for (side, scale) in [(300, 1), (1200, 3), (2400, 1), (4000, 1)] {
        c.push((
            format!("finder tiling {side} px, {scale} px a module"),
            png(&finder_tiling(side, scale)),
        ));
    }
    c.push((
        "finder tiling 1200 px as JPEG".to_string(),
        jpeg(&finder_tiling(1200, 2)),
    ));
    c.push((
        "random finder-like noise 2000 px".to_string(),
        png(&finder_noise(2000, 1)),
    ));
    c.push(("iCCP bomb (256 MiB inflated)".to_string(), iccp_bomb()));
    // Inputs the `image` fuzz target found slow.
    let found = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/hostile");
    for entry in std::fs::read_dir(found).unwrap_or_else(|e| panic!("{found}: {e}")) {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") {
            continue;
        }
        let name = format!(
            "fuzzer-found {}",
            path.file_name().unwrap().to_string_lossy()
        );
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        c.push((name, bytes));
    }
    c.push(("40 MP RGBA".to_string(), huge_rgba()));
    c.push((
        "16 MP RGBA (largest accepted)".to_string(),
        largest_accepted(),
    ));
    c
}

#[test]
fn finding_1_and_3_hostile_images_end_within_time_and_memory_ceilings() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    for (name, bytes) in corpus() {
        PEAK.reset_peak_usage();
        let before = PEAK.current_usage();
        let t = Instant::now();
        let r = read::parse_image_within(&bytes, Budget::default());
        let took = t.elapsed();
        let peak = PEAK.peak_usage().saturating_sub(before);
        eprintln!(
            "{name}: {} bytes, {took:?}, peak {} MiB: {:?}",
            bytes.len(),
            peak >> 20,
            r.as_ref().map(|(_, s)| s).map_err(|e| e.to_string())
        );
        let e = r.expect_err(&name).to_string();
        assert!(
            e.contains("no QR code")
                || e.contains("budget")
                || e.contains("limit")
                || e.contains("cannot be read"),
            "{name}: {e}"
        );
        assert!(took < TIME_CEILING, "{name}: {took:?}");
        assert!(peak < READ_MEMORY_CEILING, "{name}: {} MiB", peak >> 20);
    }
}

#[test]
fn finding_3_decoder_limits_refuse_before_allocating() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    for (name, bytes, want) in [
        ("40 MP RGBA", huge_rgba(), "pixels is more than the limit"),
        ("iCCP bomb", iccp_bomb(), "no QR code"),
    ] {
        PEAK.reset_peak_usage();
        let before = PEAK.current_usage();
        let e = read::parse_image(&bytes).unwrap_err().to_string();
        let peak = PEAK.peak_usage().saturating_sub(before);
        assert!(e.contains(want), "{name}: {e}");
        // A refusal or a 64x64 decode: a few MiB at most, never the inflated size.
        assert!(peak < 16 << 20, "{name}: {} MiB", peak >> 20);
    }
}

/// One HTTP/1.1 request over a fresh connection; (status, time to answer).
fn http(addr: std::net::SocketAddr, head: &str, body: &[u8]) -> (u16, Duration) {
    let t = Instant::now();
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    let text = String::from_utf8_lossy(&buf);
    let status = text.get(9..12).and_then(|c| c.parse().ok()).unwrap_or(0);
    (status, t.elapsed())
}

fn upload_head(len: usize) -> String {
    format!(
        "POST /api/v1/verify/image HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\n\
         Content-Length: {len}\r\nConnection: close\r\n\r\n"
    )
}

const HEALTHZ: &str = "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";

#[test]
fn finding_1_server_answers_healthz_while_cores_plus_one_hostile_uploads_run() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let f = fixture();
    let permits = f.state.image_permits.clone();
    let total = permits.available_permits();
    let srv = Loopback::start(f.state.clone());
    let addr = srv.addr;
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let hostile = std::sync::Arc::new(png(&finder_tiling(600, 1)));
    PEAK.reset_peak_usage();
    let before = PEAK.current_usage();
    let uploads: Vec<_> = (0..cores + 1)
        .map(|_| {
            let body = hostile.clone();
            std::thread::spawn(move || {
                (0..4)
                    .map(|_| http(addr, &upload_head(body.len()), &body).0)
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let (mut probes, mut busy_probes, mut slow) = (0, 0, Vec::new());
    while uploads.iter().any(|u| !u.is_finished()) {
        let decoding = permits.available_permits() < total;
        let (status, took) = http(addr, HEALTHZ, b"");
        assert_eq!(status, 200);
        assert!(took < Duration::from_secs(2), "healthz took {took:?}");
        probes += 1;
        if decoding {
            busy_probes += 1;
            if took > Duration::from_millis(100) {
                slow.push(took);
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    for u in uploads {
        // 422: not a certificate; 503: every decoder busy for too long; 408: the request's
        // time ran out while it waited. Never a 5xx from a crash, never no answer.
        let statuses = u.join().unwrap();
        assert!(
            statuses.iter().all(|s| matches!(s, 408 | 422 | 503)),
            "{statuses:?}"
        );
    }
    let peak = PEAK.peak_usage().saturating_sub(before);
    eprintln!(
        "{probes} probes, {busy_probes} while decoding, slow: {slow:?}, peak {} MiB",
        peak >> 20
    );
    assert!(busy_probes >= 5, "the probes did not overlap the decodes");
    // Within 100 ms: every probe but the odd one that the OS scheduler delays.
    assert!(
        slow.len() * 10 <= busy_probes,
        "slow healthz answers: {slow:?}"
    );
    assert!(peak < SERVER_MEMORY_CEILING, "peak {} MiB", peak >> 20);
    assert_eq!(permits.available_permits(), total);
    srv.stop();
}

#[test]
fn finding_2_a_timed_out_request_keeps_its_decoder_until_the_decode_stops() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let f = fixture();
    let state = f.state.clone().with_limits(skillcert_server::Limits {
        request_timeout: Duration::from_millis(150),
        ..Default::default()
    });
    let permits = state.image_permits.clone();
    let total = permits.available_permits();
    let srv = Loopback::start(state);
    let hostile = png(&finder_tiling(2400, 1));
    let (status, _) = http(srv.addr, &upload_head(hostile.len()), &hostile);
    assert_eq!(status, 408);
    // The request has been answered, but its decode is still running and still holds its
    // permit, so no other decode can start beside it past the limit.
    assert!(
        permits.available_permits() < total,
        "the permit was given back before the decode stopped"
    );
    let t = Instant::now();
    while permits.available_permits() < total {
        assert!(t.elapsed() < TIME_CEILING, "the decode did not stop");
        std::thread::sleep(Duration::from_millis(10));
    }
    srv.stop();
}

#[test]
fn finding_1_cli_reads_a_hostile_image_within_its_budget() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tiling.png");
    std::fs::write(&file, png(&finder_tiling(600, 1))).unwrap();
    let t = Instant::now();
    let out = assert_cmd::Command::cargo_bin("skillcert")
        .unwrap()
        .env("SKILLCERT_DATA_DIR", dir.path().join("data"))
        .args(["verify", "--json", "--offline"])
        .arg(&file)
        .timeout(TIME_CEILING)
        .output()
        .unwrap();
    assert!(t.elapsed() < TIME_CEILING);
    // 2: the input cannot be read as a certificate.
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["verdict"], "malformed");
    assert!(v.to_string().contains("no QR code"), "{v}");
}
