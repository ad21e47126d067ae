//! Writes a seed corpus for the `image` fuzz target into `fuzz/corpus/image/`: a real QR of
//! a test vector as PNG and JPEG at a few sizes, and small hostile pictures (finder-pattern
//! tilings, random finder-like noise). `cargo run --example gen_image_corpus`.

#![allow(
    clippy::unwrap_used,
    unreachable_pub,
    missing_docs,
    reason = "test and tool code: a failed unwrap is a failed run; helpers are not an API"
)]
use image::codecs::jpeg::JpegEncoder;
use image::{GrayImage, ImageFormat, Luma};
use std::io::Cursor;
use std::path::Path;

fn png(img: &GrayImage) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, ImageFormat::Png)
        .expect("encode PNG");
    out.into_inner()
}

fn jpeg(img: &GrayImage) -> Vec<u8> {
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, 60)
        .encode_image(img)
        .expect("encode JPEG");
    out
}

fn finder_tiling(side: u32, scale: u32) -> GrayImage {
    const ROWS: [u8; 8] = [0xfe, 0x82, 0xba, 0xba, 0xba, 0x82, 0xfe, 0];
    GrayImage::from_fn(side, side, |x, y| {
        let (x, y) = (x / scale, y / scale);
        let bit = (ROWS[(y % 8) as usize] >> (7 - x % 8)) & 1;
        Luma([if bit == 1 { 0 } else { 255 }])
    })
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = &Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/image");
    std::fs::create_dir_all(dir)?;
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/vectors/valid_minimal_did_key_qr.txt"
    ))?;
    let qr = skillcert_qrimage::render::to_image(text.trim(), 2)?;
    let mut files: Vec<(String, Vec<u8>)> = vec![
        ("qr.png".into(), png(&qr)),
        ("qr.jpg".into(), jpeg(&qr)),
        (
            "qr-small.png".into(),
            png(&skillcert_qrimage::render::to_image(text.trim(), 1)?),
        ),
    ];
    for (side, scale) in [(64, 1), (200, 1), (200, 3), (600, 1)] {
        files.push((
            format!("tiling-{side}-{scale}.png"),
            png(&finder_tiling(side, scale)),
        ));
    }
    files.push(("tiling-200.jpg".into(), jpeg(&finder_tiling(200, 2))));
    for (name, bytes) in files {
        std::fs::write(dir.join(name), bytes)?;
    }
    println!("wrote the seed corpus to {}", dir.display());
    Ok(())
}
