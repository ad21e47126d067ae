//! Speed of printed certificates: one PDF of the reference certificate (no photo; and with a
//! photo and seal), and a 10-page sheet, each with the printer of one certificate
//! (`Printer::new`: a subset of the whole bundled font per PDF) and with the printer of a run
//! (`Printer::for_texts`: one font subset for the run, made from the roster's text).
//! `cargo bench --bench pdf -- --warm-up-time 1 --measurement-time 3`.

#![allow(
    clippy::unwrap_used,
    unreachable_pub,
    missing_docs,
    reason = "test and tool code: a failed unwrap is a failed run; helpers are not an API"
)]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc; // as in the binary

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use skillcert::issuer::{now_secs, Issuer};
use skillcert::model::reference::reference_claims;
use skillcert_print::pdf::{PrintedCertificate, Printer};
use std::sync::Arc;

fn png(w: u32, h: u32, rgba: bool) -> Arc<[u8]> {
    let mut out = std::io::Cursor::new(Vec::new());
    if rgba {
        image::RgbaImage::from_fn(w, h, |x, y| {
            image::Rgba([200, 20, 20, ((x ^ y) & 0xff) as u8])
        })
        .write_to(&mut out, image::ImageFormat::Png)
        .unwrap();
    } else {
        image::RgbImage::from_fn(w, h, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
        })
        .write_to(&mut out, image::ImageFormat::Jpeg)
        .unwrap();
    }
    out.into_inner().into()
}

fn pdf(c: &mut Criterion) {
    let bytes = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../testdata/reference/reference-certificate.json"
    ))
    .unwrap();
    let claims = reference_claims(&bytes).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let issuer = Issuer::init(
        dir.path(),
        &claims.issuer.name,
        claims.issuer.url.as_deref(),
    )
    .unwrap();
    let issued = issuer.sign_all(claims, now_secs()).unwrap();
    let cert = PrintedCertificate::from_claims(
        &issued.claims,
        &issued.qr_text,
        "S000133060200262000042",
        "330602199001011231",
    );
    let printer = Printer::new().unwrap();
    // A run's printer, from a roster's text: the reference certificate's and a few hundred
    // other names' characters.
    let roster: String = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁\
        伟芳娜秀敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂英华玉萍红娥玲芬燕彬鑫淼犇堃晓东海峰建国志\
        数控铣工焊工电工工业机器人系统运维员"
        .to_owned();
    let texts = [
        roster.as_str(),
        cert.holder_name.as_str(),
        cert.occupation.as_str(),
        cert.organisation.as_str(),
    ];
    let run = Printer::for_texts(texts).unwrap();
    let one = printer.pdf(&cert).unwrap();
    let mut pictured = cert.clone();
    pictured.photo = Some(png(300, 420, false));
    pictured.seal = Some(png(400, 400, true));
    let with = printer.pdf(&pictured).unwrap();
    eprintln!(
        "bytes per PDF: {} (no photo), {} (photo and seal)",
        one.len(),
        with.len()
    );
    let sheet: Vec<PrintedCertificate> = (0..10).map(|_| cert.clone()).collect();
    eprintln!(
        "bytes of a 10-page sheet: {}",
        printer.sheets(&sheet).unwrap().len()
    );

    let mut g = c.benchmark_group("pdf");
    g.throughput(Throughput::Elements(1));
    g.bench_function("certificate", |b| {
        b.iter(|| printer.pdf(black_box(&cert)).unwrap())
    });
    g.bench_function("certificate, run font", |b| {
        b.iter(|| run.pdf(black_box(&cert)).unwrap())
    });
    g.bench_function("certificate with photo and seal", |b| {
        b.iter(|| printer.pdf(black_box(&pictured)).unwrap())
    });
    g.throughput(Throughput::Elements(10));
    g.bench_function("sheet of 10", |b| {
        b.iter(|| printer.sheets(black_box(&sheet)).unwrap())
    });
    g.bench_function("sheet of 10, run font", |b| {
        b.iter(|| run.sheets(black_box(&sheet)).unwrap())
    });
    g.finish();
    let mut g = c.benchmark_group("run font");
    g.sample_size(10);
    g.bench_function("made from a roster's text", |b| {
        b.iter(|| Printer::for_texts(black_box(texts)).unwrap())
    });
    g.finish();
}

criterion_group!(benches, pdf);
criterion_main!(benches);
