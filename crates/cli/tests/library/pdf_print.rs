//! Printed certificates (`skillcert_print::pdf`), checked with independent tools: poppler's
//! `pdftoppm` renders the page, `zbarimg` reads the QR code off the 150 dpi image, `pdftotext`
//! extracts the text, `pdfinfo` counts the pages (`scripts/test.sh` installs poppler-utils and
//! zbar-tools). Also writes the README's picture, `docs/certificate-cn-nvq.png`.

use crate::common;
use skillcert::model::levels::Framework;
use skillcert::verify::{UnverifiedCredential, Verdict};
use skillcert_print::pdf::{mask_id, PdfError, PrintedCertificate, Printer};
use std::io::Read;
use std::path::Path;
use std::process::Command;
use std::sync::{Arc, OnceLock};

const NUMBER: &str = "S000133060200262000042";

fn printer() -> &'static Printer {
    static P: OnceLock<Printer> = OnceLock::new();
    P.get_or_init(|| Printer::new().unwrap())
}

/// Runs a poppler or zbar tool; they are installed by `scripts/test.sh`, so a missing one fails.
fn run(tool: &str, args: &[&str]) -> Vec<u8> {
    let out = Command::new(tool).args(args).output().unwrap_or_else(|e| {
        panic!("{tool} cannot run ({e}): scripts/test.sh installs poppler-utils and zbar-tools")
    });
    assert!(out.status.success(), "{tool} {args:?} failed: {out:?}");
    out.stdout
}

fn text_of(pdf: &Path, page: Option<usize>) -> String {
    let p = page.map(|p| p.to_string());
    let mut args = vec![];
    if let Some(p) = &p {
        args.extend(["-f", p.as_str(), "-l", p.as_str()]);
    }
    let path = pdf.to_str().unwrap();
    args.extend([path, "-"]);
    String::from_utf8(run("pdftotext", &args)).unwrap()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// Renders page 1 of `pdf` to `<stem>.png` at `dpi`.
fn render(pdf: &Path, dpi: u32, stem: &Path) -> std::path::PathBuf {
    let dpi = dpi.to_string();
    let (p, s) = (pdf.to_str().unwrap(), stem.to_str().unwrap());
    run(
        "pdftoppm",
        &[
            "-r",
            &dpi,
            "-png",
            "-singlefile",
            "-f",
            "1",
            "-l",
            "1",
            p,
            s,
        ],
    );
    stem.with_extension("png")
}

fn reference_cert() -> (
    tempfile::TempDir,
    skillcert::issuer::Issuer,
    PrintedCertificate,
) {
    let (dir, issuer, issued) = common::reference();
    let cert = PrintedCertificate::from_claims(
        &issued.claims,
        &issued.qr_text,
        NUMBER,
        "330602199001011231",
    );
    (dir, issuer, cert)
}

#[test]
#[ignore = "needs pdftoppm and pdftotext (poppler-utils): scripts/test.sh installs it and runs the ignored tests"]
fn the_reference_pdf_scans_verifies_and_reads() {
    let (dir, issuer, cert) = reference_cert();
    let pdf = write(dir.path(), "ref.pdf", &printer().pdf(&cert).unwrap());
    let png = render(&pdf, 150, &dir.path().join("ref"));
    let scanned =
        String::from_utf8(run("zbarimg", &["--raw", "-q", png.to_str().unwrap()])).unwrap();
    let scanned = scanned.trim_end_matches('\n');
    assert_eq!(scanned, cert.qr_text);
    let verified = UnverifiedCredential::from_qr_text(scanned)
        .unwrap()
        .verify(&common::verifier(&issuer, false))
        .unwrap();
    assert_eq!(verified.report().verdict, Verdict::Valid);

    let text = text_of(&pdf, None);
    for want in [
        "王晓明",
        "Wang Xiaoming",
        "数控铣工 CNC Milling Operator",
        "二级/技师",
        NUMBER,
    ] {
        assert!(text.contains(want), "{want:?} not in the text:\n{text}");
    }
    for want in [
        "职业技能等级证书",
        "jndj.osta.org.cn",
        "pjjg.osta.org.cn",
        "330602199001011231",
        "--",
    ] {
        assert!(text.contains(want), "{want:?} not in the text:\n{text}");
    }
}

#[test]
#[ignore = "needs pdftoppm and pdftotext (poppler-utils): scripts/test.sh installs it and runs the ignored tests"]
fn the_readme_picture_is_the_rendered_first_page() {
    let (dir, _issuer, mut cert) = reference_cert();
    cert.id_number = mask_id(&cert.id_number);
    let pdf = write(dir.path(), "readme.pdf", &printer().pdf(&cert).unwrap());
    // Written outside tracked paths unless asked: SKILLCERT_UPDATE_DOCS=1 rewrites the
    // README's picture (docs/certificate-cn-nvq.png).
    let docs = if std::env::var_os("SKILLCERT_UPDATE_DOCS").is_some() {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs")
    } else {
        dir.path().to_path_buf()
    };
    let png = render(&pdf, 60, &docs.join("certificate-cn-nvq"));
    let bytes = crate::common::read_file(png);
    assert!(bytes.starts_with(b"\x89PNG"));
}

/// The decompressed ToUnicode maps of a PDF (every flate stream that holds a CMap).
fn to_unicode_maps(pdf: &[u8]) -> String {
    let mut out = String::new();
    let mut at = 0;
    while let Some(i) = find(&pdf[at..], b"stream") {
        let start = at + i + 6;
        let start = start
            + pdf[start..]
                .iter()
                .take_while(|b| **b == b'\r' || **b == b'\n')
                .count();
        let Some(end) = find(&pdf[start..], b"endstream") else {
            break;
        };
        let raw = &pdf[start..start + end];
        let mut s = String::new();
        if flate2::read::ZlibDecoder::new(raw)
            .read_to_string(&mut s)
            .is_err()
        {
            s = String::from_utf8_lossy(raw).into_owned();
        }
        if s.contains("begincmap") {
            out.push_str(&s);
        }
        at = start + end;
    }
    out
}

fn find(h: &[u8], n: &[u8]) -> Option<usize> {
    h.windows(n.len()).position(|w| w == n)
}

#[test]
#[ignore = "needs pdftoppm and pdftotext (poppler-utils): scripts/test.sh installs it and runs the ignored tests"]
fn rare_characters_print_as_text_and_glyphs() {
    let (dir, _issuer, mut cert) = reference_cert();
    let rare = "䶮㛃堃犇淼鑫";
    cert.holder_name = rare.to_owned();
    let bytes = printer().pdf(&cert).unwrap();
    let pdf = write(dir.path(), "rare.pdf", &bytes);
    assert!(text_of(&pdf, None).contains(rare));
    let fonts = String::from_utf8(run("pdffonts", &[pdf.to_str().unwrap()])).unwrap();
    let line = fonts
        .lines()
        .find(|l| l.contains("NotoSerif"))
        .expect("the font is listed");
    assert!(line.contains("yes yes"), "embedded subset: {fonts}");
    let maps = to_unicode_maps(&bytes);
    for c in rare.chars() {
        assert!(printer().has_glyph(c), "{c}");
        let hex = format!("<{:04X}>", u32::from(c));
        let entry = maps.lines().find(|l| l.contains(&hex));
        let entry = entry.unwrap_or_else(|| panic!("{c} ({hex}) not in the ToUnicode map"));
        assert!(
            !entry.starts_with("<0000>"),
            "{c} mapped from .notdef: {entry}"
        );
    }
}

#[test]
fn characters_no_font_has_are_refused_by_name() {
    let (_dir, _issuer, mut cert) = reference_cert();
    for (bad, code) in [('\u{F0000}', "U+F0000"), ('\u{20000}', "U+20000")] {
        cert.holder_name = format!("王{bad}明");
        let e = printer().pdf(&cert).unwrap_err();
        assert!(
            matches!(e, PdfError::Unprintable { ch, .. } if ch == bad),
            "{e:?}"
        );
        let m = e.to_string();
        assert!(
            m.starts_with("holder_name: ") && m.contains(code) && m.contains(bad),
            "{m}"
        );
        assert!(printer()
            .check_printable("organisation", &cert.holder_name)
            .is_err());
    }
}

#[test]
fn every_character_of_the_general_standard_table_has_a_glyph() {
    let list = crate::common::read_text(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../print/assets/fonts/tgscc-8105.txt"
    ));
    let chars: Vec<char> = list
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| l.split('\t').nth(2).unwrap().chars().next().unwrap())
        .collect();
    assert_eq!(chars.len(), 8105);
    let missing: String = chars.iter().filter(|c| !printer().has_glyph(**c)).collect();
    assert!(missing.is_empty(), "no glyph for: {missing}");
    let latin: String = (' '..='~').chain('\u{a0}'..='\u{ff}').collect();
    printer().check_printable("latin", &latin).unwrap();
}

fn of_framework(framework: Framework, level: &str, name: &str) -> PrintedCertificate {
    let (_dir, _issuer, mut cert) = reference_cert();
    let (zh, en) = skillcert_print::pdf::default_title(framework);
    cert.framework = framework;
    cert.title_zh = zh.into();
    cert.title_en = en.into();
    cert.level = level.into();
    cert.holder_name = name.into();
    cert.query_addresses = skillcert_print::pdf::default_query_addresses(
        framework,
        "https://verify.skills.example.cn",
    );
    cert
}

#[test]
#[ignore = "needs pdftoppm and pdftotext (poppler-utils): scripts/test.sh installs it and runs the ignored tests"]
fn every_layout_renders_and_sheets_keep_their_order() {
    let dir = tempfile::tempdir().unwrap();
    let certs = [
        of_framework(Framework::CnNvq, "3", "李小龙"),
        of_framework(Framework::OneX, "advanced", "张伟"),
        of_framework(Framework::Iiw, "IWT", "Müller Jürgen"),
        of_framework(Framework::Eqf, "5", "Zoë Ó Briain"),
    ];
    let levels = [
        "三级/高级工",
        "高级",
        "International Welding Technician",
        "EQF level 5",
    ];
    for (i, cert) in certs.iter().enumerate() {
        let pdf = write(
            dir.path(),
            &format!("{i}.pdf"),
            &printer().pdf(cert).unwrap(),
        );
        let png = render(
            &pdf,
            72,
            &dir.path().join(format!("layout-{}", cert.framework)),
        );
        assert!(std::fs::metadata(png).unwrap().len() > 1000);
        let text = text_of(&pdf, None);
        for want in [
            cert.holder_name.as_str(),
            NUMBER,
            levels[i],
            cert.title_zh.as_str(),
        ] {
            assert!(
                text.contains(want),
                "{}: {want:?} not in\n{text}",
                cert.framework
            );
        }
    }
    let sheets = write(dir.path(), "sheets.pdf", &printer().sheets(&certs).unwrap());
    let info = String::from_utf8(run("pdfinfo", &[sheets.to_str().unwrap()])).unwrap();
    assert!(
        info.lines()
            .any(|l| l.starts_with("Pages:") && l.ends_with(" 4")),
        "{info}"
    );
    for (i, cert) in certs.iter().enumerate() {
        assert!(
            text_of(&sheets, Some(i + 1)).contains(&cert.holder_name),
            "page {}",
            i + 1
        );
    }
    assert!(printer().sheets(&[]).is_err());
}

fn png_bytes(w: u32, h: u32) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    image::RgbaImage::from_pixel(w, h, image::Rgba([180, 0, 0, 120]))
        .write_to(&mut out, image::ImageFormat::Png)
        .unwrap();
    out.into_inner()
}

#[test]
#[ignore = "needs pdftoppm and pdftotext (poppler-utils): scripts/test.sh installs it and runs the ignored tests"]
fn photos_and_seals_print_and_bad_ones_are_refused_by_field() {
    let (dir, _issuer, mut cert) = reference_cert();
    cert.photo = Some(png_bytes(300, 420).into());
    cert.seal = Some(png_bytes(200, 200).into());
    cert.logo = Some(png_bytes(120, 60).into());
    let pdf = write(dir.path(), "pictures.pdf", &printer().pdf(&cert).unwrap());
    render(&pdf, 50, &dir.path().join("pictures"));

    let mut huge = png_bytes(4, 3);
    huge[16..20].copy_from_slice(&50_000u32.to_be_bytes());
    huge[20..24].copy_from_slice(&40_000u32.to_be_bytes());
    let mut truncated_jpeg = vec![0xff, 0xd8, 0xff, 0xe0, 0, 16];
    truncated_jpeg.extend_from_slice(b"JFIF\0garbage");
    let cases: [(&str, Vec<u8>); 5] = [
        ("photo", b"not an image at all".to_vec()),
        ("photo", truncated_jpeg),
        ("seal", huge.clone()),
        ("logo", png_bytes(4, 3)[..40].to_vec()),
        ("photo", vec![0x89; 9 << 20]),
    ];
    for (field, bytes) in cases {
        let mut c = cert.clone();
        let bytes: Arc<[u8]> = bytes.into();
        match field {
            "photo" => c.photo = Some(bytes),
            "seal" => c.seal = Some(bytes),
            _ => c.logo = Some(bytes),
        }
        let e = printer().pdf(&c).unwrap_err();
        assert!(
            matches!(&e, PdfError::Image { field: f, .. } if f == field),
            "{e:?}"
        );
        assert!(e.to_string().starts_with(&format!("{field}: ")), "{e}");
    }
}

/// Every layout with a photo and a seal, rendered to PNG: in a temporary folder, or for a person
/// to look at in the folder `SKILLCERT_PDF_LOOK` names.
#[test]
#[ignore = "needs pdftoppm (poppler-utils): scripts/test.sh installs it and runs the ignored tests"]
fn every_layout_renders_with_a_photo_and_a_seal() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = &std::env::var_os("SKILLCERT_PDF_LOOK").map_or(tmp.path().to_path_buf(), Into::into);
    std::fs::create_dir_all(dir).unwrap();
    let (_d, _i, mut cert) = reference_cert();
    cert.holder_name = "王晓明䶮".into();
    cert.photo = Some(png_bytes(300, 420).into());
    cert.seal = Some(png_bytes(200, 200).into());
    write(dir, "photo.pdf", &printer().pdf(&cert).unwrap());
    assert!(render(&dir.join("photo.pdf"), 100, &dir.join("photo")).exists());
    for (f, l) in [
        (Framework::CnNvq, "3"),
        (Framework::OneX, "advanced"),
        (Framework::Iiw, "IWT"),
        (Framework::Eqf, "5"),
    ] {
        let c = of_framework(f, l, "王晓明");
        let p = write(dir, &format!("{f}.pdf"), &printer().pdf(&c).unwrap());
        assert!(render(&p, 100, &dir.join(f.id())).exists(), "{f}");
    }
}
