//! Reading the QR from degraded pictures: rotated, scaled down, blurred, JPEG quality 50, on
//! a larger page with text-like clutter, and all of these together (a phone photo of paper).
//! Every picture must decode to the QR text and verify `valid`. Broken and non-QR images
//! give `malformed` with a clear message.

use crate::common;

use image::codecs::jpeg::JpegEncoder;
use image::{imageops, GrayImage, ImageFormat, Luma};
use skillcert::verify::{Format, Verdict};
use skillcert_qrimage::parse_bytes;
use skillcert_qrimage::{read, render};
use std::io::Cursor;

/// Rotates by `deg` degrees with bilinear resampling onto a white canvas that holds it all.
fn rotate(img: &GrayImage, deg: f64) -> GrayImage {
    let (w, h) = (img.width() as f64, img.height() as f64);
    let (s, c) = deg.to_radians().sin_cos();
    let nw = (w * c.abs() + h * s.abs()).ceil() as u32;
    let nh = (w * s.abs() + h * c.abs()).ceil() as u32;
    let (cx, cy, ncx, ncy) = (w / 2.0, h / 2.0, nw as f64 / 2.0, nh as f64 / 2.0);
    let px = |x: i64, y: i64| -> f64 {
        if x < 0 || y < 0 || x >= img.width() as i64 || y >= img.height() as i64 {
            255.0
        } else {
            img.get_pixel(x as u32, y as u32).0[0] as f64
        }
    };
    GrayImage::from_fn(nw, nh, |x, y| {
        let (dx, dy) = (x as f64 + 0.5 - ncx, y as f64 + 0.5 - ncy);
        let sx = c * dx + s * dy + cx - 0.5;
        let sy = -s * dx + c * dy + cy - 0.5;
        let (x0, y0) = (sx.floor(), sy.floor());
        let (fx, fy) = (sx - x0, sy - y0);
        let (x0, y0) = (x0 as i64, y0 as i64);
        let v = px(x0, y0) * (1.0 - fx) * (1.0 - fy)
            + px(x0 + 1, y0) * fx * (1.0 - fy)
            + px(x0, y0 + 1) * (1.0 - fx) * fy
            + px(x0 + 1, y0 + 1) * fx * fy;
        Luma([v.round().clamp(0.0, 255.0) as u8])
    })
}

fn scale(img: &GrayImage, f: f64) -> GrayImage {
    let w = (img.width() as f64 * f).round() as u32;
    let h = (img.height() as f64 * f).round() as u32;
    imageops::resize(img, w, h, imageops::FilterType::Triangle)
}

fn box_blur(img: &GrayImage, r: i64) -> GrayImage {
    let (w, h) = (img.width() as i64, img.height() as i64);
    GrayImage::from_fn(img.width(), img.height(), |x, y| {
        let (mut sum, mut n) = (0u32, 0u32);
        for dy in -r..=r {
            for dx in -r..=r {
                let (xx, yy) = (x as i64 + dx, y as i64 + dy);
                if xx >= 0 && yy >= 0 && xx < w && yy < h {
                    sum += img.get_pixel(xx as u32, yy as u32).0[0] as u32;
                    n += 1;
                }
            }
        }
        Luma([(sum / n) as u8])
    })
}

/// A white page with rows of text-like dark blocks and speckle noise, the QR pasted on it.
fn on_page(qr: &GrayImage) -> GrayImage {
    let (pw, ph) = (qr.width() * 2, qr.height() * 5 / 2);
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut rnd = move |n: u32| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as u32
    };
    let mut page = GrayImage::from_pixel(pw, ph, Luma([245]));
    // "Text": rows of word-sized dark blocks.
    let mut y = 40;
    while y + 30 < ph {
        let mut x = 40;
        while x + 60 < pw {
            let ww = 20 + rnd(90);
            let hh = 14 + rnd(8);
            for yy in y..(y + hh).min(ph) {
                for xx in x..(x + ww).min(pw) {
                    page.put_pixel(xx, yy, Luma([30 + rnd(40) as u8]));
                }
            }
            x += ww + 12 + rnd(10);
        }
        y += 38;
    }
    // Clear a white area for the QR, then paste it.
    let (ox, oy) = (pw - qr.width() - 60, ph - qr.height() - 80);
    for yy in oy - 20..oy + qr.height() + 20 {
        for xx in ox - 20..ox + qr.width() + 20 {
            page.put_pixel(xx, yy, Luma([250]));
        }
    }
    imageops::overlay(&mut page, qr, ox as i64, oy as i64);
    for _ in 0..(pw * ph / 50) {
        let (x, y) = (rnd(pw), rnd(ph));
        let p = page.get_pixel(x, y).0[0];
        page.put_pixel(x, y, Luma([p.saturating_sub(60)]));
    }
    page
}

fn png(img: &GrayImage) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, ImageFormat::Png).unwrap();
    out.into_inner()
}

fn jpeg(img: &GrayImage, q: u8) -> Vec<u8> {
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, q)
        .encode_image(img)
        .unwrap();
    out
}

#[test]
fn degraded_pictures_all_verify() {
    let (_dir, issuer, issued) = common::reference();
    let v = common::verifier(&issuer, false);
    let qr = render::to_image(&issued.qr_text, 8).unwrap();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("clean PNG", png(&qr)),
        ("rotated 3 degrees", png(&rotate(&qr, 3.0))),
        ("rotated -7 degrees", png(&rotate(&qr, -7.0))),
        ("scaled to 50%", png(&scale(&qr, 0.5))),
        ("scaled to 38%", png(&scale(&qr, 0.38))),
        ("gaussian blur 2.0", png(&imageops::blur(&qr, 2.0))),
        ("box blur 5x5", png(&box_blur(&qr, 2))),
        ("JPEG quality 50", jpeg(&qr, 50)),
        ("on a page with text", png(&on_page(&qr))),
        (
            "photo: page, rotated 4 degrees, scaled 60%, blurred, JPEG 50",
            jpeg(
                &imageops::blur(&scale(&rotate(&on_page(&qr), 4.0), 0.6), 1.0),
                50,
            ),
        ),
    ];
    for (name, bytes) in cases {
        assert_eq!(
            read::parse_image(&bytes).as_deref(),
            Ok(issued.qr_text.as_str()),
            "{name}"
        );
        let u = parse_bytes(&bytes).unwrap_or_else(|r| panic!("{name}: {r:?}"));
        assert_eq!(u.format(), Format::Qr);
        assert_eq!(u.claims(), Some(&issued.claims), "{name}");
        assert_eq!(v.check(u).verdict, Verdict::Valid, "{name}");
    }
}

#[test]
fn broken_and_foreign_images_are_malformed_with_a_reason() {
    let (_dir, _issuer, issued) = common::reference();
    let good = render::to_png(&issued.qr_text, 4).unwrap();
    let blank = png(&GrayImage::from_pixel(200, 200, Luma([255])));
    let foreign = render::to_png("https://example.com/not-a-certificate", 4).unwrap();
    // A PNG header claiming 30000 x 30000 pixels (refused before decoding).
    let mut huge = good[..33].to_vec();
    huge[16..20].copy_from_slice(&30000u32.to_be_bytes());
    huge[20..24].copy_from_slice(&30000u32.to_be_bytes());
    let mut crc = flate2::Crc::new();
    crc.update(&huge[12..29]);
    huge[29..33].copy_from_slice(&crc.sum().to_be_bytes());
    let cases: [(&str, &[u8], &str); 5] = [
        ("truncated PNG", &good[..good.len() / 2], "cannot decode"),
        ("blank image", &blank, "no QR code"),
        ("QR of another URL", &foreign, "does not hold a skillcert"),
        ("huge dimensions", &huge, "limit"),
        ("JPEG magic only", b"\xff\xd8\xff\xe0garbage", "image"),
    ];
    for (name, bytes, want) in cases {
        let r = skillcert::verify::Report::from(parse_bytes(bytes).unwrap_err());
        assert_eq!(r.verdict, Verdict::Malformed, "{name}");
        assert_eq!(r.format, Format::Qr, "{name}");
        let why = r.failure_reasons().join("; ");
        assert!(why.contains(want), "{name}: {why}");
    }
}
