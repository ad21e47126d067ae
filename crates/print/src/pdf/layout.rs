//! The page layouts: the national 职业技能等级证书 for `cn-nvq` (title, a table of labelled
//! fields beside the photo box, the organisation under its seal, the QR code and the public
//! query addresses), and a centred certificate layout for `1x`, `iiw` and `eqf`.

use super::draw::{self, mm, Align, Style, ACCENT, GREY, INK};
use super::images::{Picture, Pictures};
use super::{PdfError, PrintedCertificate, Printer};
use chrono::NaiveDate;
use krilla::geom::{Rect, Size, Transform};
use krilla::page::PageSettings;
use krilla::surface::Surface;
use krilla::Document;
use skillcert::model::levels::Framework;

/// A4 in points.
const PAGE_W: f32 = 595.28;
const PAGE_H: f32 = 841.89;
/// Left edge of the text.
const LEFT: f32 = 22.0;
/// Right edge of the text.
const RIGHT: f32 = 188.0;
/// Photo box (35 × 49 mm, the national ID photo size), top right.
const PHOTO: (f32, f32, f32, f32) = (150.0, 66.0, 35.0, 49.0);
/// QR square, quiet zone included.
const QR_SIDE: f32 = 46.0;

const LABEL: Style = Style::new(11.0, GREY);
const LABEL_EN: Style = Style::new(7.0, GREY);
const VALUE: Style = Style::new(12.5, INK);
/// Where values start (mm).
const VALUE_X: f32 = 70.0;

/// The text of the layouts themselves (labels, statements, the date's characters), for a
/// run font ([`Printer::for_texts`]); a test checks that a page whose fields are Latin needs
/// nothing else.
pub(super) const FIXED_TEXTS: &[&str] = &[
    "照片 Photo",
    "年月日 ()-0123456789　",
    "姓名 Name",
    "证件类型 ID type",
    "证件号码 ID number",
    "职业 Occupation",
    "工种/职业方向 Specialty",
    "职业技能等级 Skill level",
    "证书编号 Certificate No.",
    "评价机构 Evaluation organisation",
    "发证日期 Date of issue",
    "有效期至 Valid until",
    "经评价，持证人达到本证书所载职业技能等级的要求，特发此证。",
    "扫码验证 Scan to verify",
    "二维码含本证书的电子签名，可离线验证。",
    "兹证明 This is to certify that",
    "已达到以下职业技能等级 has attained",
    "职业/项目 方向 证件 颁发机构 Issued by",
];

/// Draws `cert` on a new A4 page of `doc`.
pub(super) fn page(
    p: &Printer,
    doc: &mut Document,
    cert: &PrintedCertificate,
    pics: &Pictures,
) -> Result<(), PdfError> {
    let settings = PageSettings::from_wh(PAGE_W, PAGE_H)
        .ok_or_else(|| PdfError::Write("bad page size".into()))?;
    let mut page = doc.start_page_with(settings);
    let mut s = page.surface();
    let r = match cert.framework {
        Framework::CnNvq => national(p, &mut s, cert, pics),
        _ => certificate(p, &mut s, cert, pics),
    };
    s.finish();
    page.finish();
    r
}

fn rect(x: f32, y: f32, w: f32, h: f32) -> Option<Rect> {
    Rect::from_xywh(mm(x), mm(y), mm(w), mm(h))
}

fn borders(s: &mut Surface<'_>) {
    if let Some(r) = rect(8.0, 8.0, 194.0, 281.0) {
        draw::frame(s, r, 2.0, ACCENT);
    }
    if let Some(r) = rect(10.5, 10.5, 189.0, 276.0) {
        draw::frame(s, r, 0.6, ACCENT);
    }
}

/// Draws `pic` scaled to fit the box `(x, y, w, h)` (mm), keeping its aspect ratio, centred.
fn picture(s: &mut Surface<'_>, pic: &Picture, x: f32, y: f32, w: f32, h: f32) {
    let (pw, ph) = (pic.width as f32, pic.height as f32);
    let scale = (mm(w) / pw).min(mm(h) / ph);
    let (dw, dh) = (pw * scale, ph * scale);
    let Some(size) = Size::from_wh(dw, dh) else {
        return;
    };
    let tx = mm(x) + (mm(w) - dw) / 2.0;
    let ty = mm(y) + (mm(h) - dh) / 2.0;
    s.push_transform(&Transform::from_translate(tx, ty));
    s.draw_image(pic.image.clone(), size);
    s.pop();
}

fn photo_box(
    p: &Printer,
    s: &mut Surface<'_>,
    pics: &Pictures,
    (x, y, w, h): (f32, f32, f32, f32),
) {
    if let Some(r) = rect(x, y, w, h) {
        draw::frame(s, r, 0.5, GREY);
    }
    match &pics.photo {
        Some(photo) => picture(s, photo, x, y, w, h),
        None => {
            let st = Style::new(9.0, GREY);
            p.text(
                s,
                mm(x + w / 2.0),
                mm(y + h / 2.0),
                st,
                Align::Center,
                "照片",
            );
            p.text(
                s,
                mm(x + w / 2.0),
                mm(y + h / 2.0) + 11.0,
                st,
                Align::Center,
                "Photo",
            );
        }
    }
}

fn date(d: NaiveDate) -> String {
    d.format("%Y年%-m月%-d日 (%Y-%m-%d)").to_string()
}

/// One labelled row: Chinese label, English label below it, the value at `value_x` wrapped to
/// `right`. Returns the y (points) of the next row.
#[allow(clippy::too_many_arguments)]
fn row(
    p: &Printer,
    s: &mut Surface<'_>,
    y: f32,
    (zh, en): (&str, &str),
    value: &str,
    st: Style,
    value_x: f32,
    right: f32,
) -> f32 {
    p.text(s, mm(LEFT), y, LABEL, Align::Left, zh);
    p.text(s, mm(LEFT), y + 10.0, LABEL_EN, Align::Left, en);
    let end = p.paragraph(s, mm(value_x), y, mm(right - value_x), st, 3, value);
    (y + 10.0).max(end) + mm(8.0)
}

/// A labelled row of a layout's table: `(Chinese label, English label)`, value, style.
type Row = ((&'static str, &'static str), String, Style);

fn occupation(cert: &PrintedCertificate) -> String {
    if cert.occupation_code.is_empty() {
        cert.occupation.clone()
    } else {
        format!("{}  {}", cert.occupation, cert.occupation_code)
    }
}

/// Draws `rows` from `y` (points); rows that start beside the photo box end before it.
/// Returns the y below the table and the y of the row labelled `mark` (for the seal).
fn table(p: &Printer, s: &mut Surface<'_>, mut y: f32, rows: &[Row], mark: &str) -> (f32, f32) {
    let mut mark_y = y;
    for ((zh, en), value, st) in rows {
        if *zh == mark {
            mark_y = y;
        }
        let right = if y < mm(PHOTO.1 + PHOTO.3) {
            PHOTO.0 - 4.0
        } else {
            RIGHT
        };
        y = row(p, s, y, (zh, en), value, *st, VALUE_X, right);
    }
    (y, mark_y)
}

/// The seal, centred on the row at `y` (points) a little right of the value's start.
fn seal(s: &mut Surface<'_>, pics: &Pictures, x: f32, y: f32) {
    if let Some(seal) = &pics.seal {
        let top = y * 25.4 / 72.0 - 20.0;
        picture(s, seal, x, top.max(60.0), 40.0, 40.0);
    }
}

fn national(
    p: &Printer,
    s: &mut Surface<'_>,
    cert: &PrintedCertificate,
    pics: &Pictures,
) -> Result<(), PdfError> {
    borders(s);
    if let Some(logo) = &pics.logo {
        picture(s, logo, 16.0, 16.0, 22.0, 22.0);
    }
    let (cx, title) = (PAGE_W / 2.0, Style::new(30.0, ACCENT).bold());
    p.text(s, cx, mm(36.0), title, Align::Center, &cert.title_zh);
    let sub = Style::new(13.0, GREY);
    p.text(s, cx, mm(45.0), sub, Align::Center, &cert.title_en);
    draw::rule(s, mm(LEFT), mm(RIGHT), mm(52.0), 0.8, ACCENT);
    draw::rule(s, mm(LEFT), mm(RIGHT), mm(53.2), 0.3, ACCENT);
    photo_box(p, s, pics, PHOTO);

    let level = cert.level_info()?;
    let mut y = mm(70.0);
    let name = [(
        ("姓名", "Name"),
        cert.holder_name.clone(),
        VALUE.sized(15.0).bold(),
    )];
    y = table(p, s, y, &name, "").0;
    if let Some(latin) = &cert.holder_name_latin {
        let st = Style::new(9.5, GREY);
        p.text(s, mm(VALUE_X), y - mm(4.5), st, Align::Left, latin);
        y += mm(2.0);
    }
    let specialty = cert.specialty.as_deref().filter(|t| !t.trim().is_empty());
    let mut rows: Vec<Row> = vec![
        (("证件类型", "ID type"), cert.id_type.clone(), VALUE),
        (("证件号码", "ID number"), cert.id_number.clone(), VALUE),
        (("职业", "Occupation"), occupation(cert), VALUE),
        (
            ("工种/职业方向", "Specialty"),
            specialty.unwrap_or("--").to_owned(),
            VALUE,
        ),
        (
            ("职业技能等级", "Skill level"),
            format!("{} {}", level.zh, level.en),
            VALUE.bold(),
        ),
        (
            ("证书编号", "Certificate No."),
            cert.number.clone(),
            VALUE.bold(),
        ),
        (
            ("评价机构", "Evaluation organisation"),
            cert.organisation.clone(),
            VALUE,
        ),
        (("发证日期", "Date of issue"), date(cert.issued), VALUE),
    ];
    if let Some(until) = cert.valid_until {
        rows.push((("有效期至", "Valid until"), date(until), VALUE));
    }
    let (y, org_y) = table(p, s, y, &rows, "评价机构");
    // Over the organisation's name, as a stamp is placed.
    seal(s, pics, 112.0, org_y);
    let y = attestation(p, s, cert, y);
    footer(p, s, cert, y)
}

/// What the national certificate states, under its table (the space above the QR code), with
/// the organisation and the date of issue, as a signed statement ends: drawn only when it fits.
/// Returns the y below it (points).
fn attestation(p: &Printer, s: &mut Surface<'_>, cert: &PrintedCertificate, y: f32) -> f32 {
    const ZH: &str = "经评价，持证人达到本证书所载职业技能等级的要求，特发此证。";
    const EN: &str = "The holder has been assessed and meets the requirements of the skill level \
                      stated on this certificate.";
    let top = y + mm(3.0);
    if top + mm(26.0) > mm(228.0) {
        return y;
    }
    draw::rule(s, mm(LEFT), mm(RIGHT), top, 0.3, GREY);
    let width = mm(RIGHT - LEFT);
    let mut ty = p.paragraph(s, mm(LEFT), top + mm(6.5), width, VALUE.sized(11.0), 1, ZH);
    ty = p.paragraph(
        s,
        mm(LEFT),
        ty + mm(2.5),
        width,
        Style::new(8.5, GREY),
        1,
        EN,
    );
    ty += mm(7.5);
    let day = cert.issued.format("%Y年%-m月%-d日");
    let signed = format!("{}　{day}", cert.organisation);
    // One line, shrunk to fit (a long organisation name).
    p.paragraph(
        s,
        mm(VALUE_X),
        ty,
        mm(RIGHT - VALUE_X),
        VALUE.sized(11.0),
        1,
        &signed,
    )
}

/// The QR code and the query addresses, at the bottom of the page (below `y`, in points).
fn footer(
    p: &Printer,
    s: &mut Surface<'_>,
    cert: &PrintedCertificate,
    y: f32,
) -> Result<(), PdfError> {
    let top = (mm(226.0)).max(y + mm(4.0));
    if top + mm(QR_SIDE) > mm(284.0) {
        return Err(PdfError::field(
            "certificate",
            "the fields do not fit on one page",
        ));
    }
    draw::qr(s, mm(LEFT - 3.0), top, mm(QR_SIDE), &cert.qr_text)?;
    let tx = mm(LEFT + QR_SIDE + 2.0);
    let mut ty = top + mm(8.0);
    p.text(
        s,
        tx,
        ty,
        Style::new(10.5, INK).bold(),
        Align::Left,
        "扫码验证 Scan to verify",
    );
    ty += mm(5.0);
    let note = "二维码含本证书的电子签名，可离线验证。The QR code holds this certificate, digitally signed.";
    ty = p.paragraph(s, tx, ty, mm(RIGHT) - tx, Style::new(7.5, GREY), 2, note) + mm(4.5);
    for (label, address) in &cert.query_addresses {
        p.text(s, tx, ty, Style::new(8.0, GREY), Align::Left, label);
        ty += mm(4.2);
        ty = p.paragraph(s, tx, ty, mm(RIGHT) - tx, Style::new(10.0, INK), 2, address) + mm(4.5);
    }
    Ok(())
}

fn certificate(
    p: &Printer,
    s: &mut Surface<'_>,
    cert: &PrintedCertificate,
    pics: &Pictures,
) -> Result<(), PdfError> {
    borders(s);
    if let Some(logo) = &pics.logo {
        picture(s, logo, 16.0, 16.0, 22.0, 22.0);
    }
    let (cx, width) = (PAGE_W / 2.0, mm(RIGHT - LEFT));
    let title = Style::new(26.0, ACCENT).bold();
    let mut y = p.paragraph_centered(s, cx, mm(38.0), width, title, &cert.title_zh);
    let sub = Style::new(14.0, GREY);
    y = p.paragraph_centered(s, cx, y + mm(7.0), width, sub, &cert.title_en);
    draw::rule(s, mm(60.0), mm(150.0), y + mm(4.0), 0.8, ACCENT);
    if pics.photo.is_some() {
        photo_box(p, s, pics, PHOTO);
    }
    // Centred in the space left of the photo when there is one.
    let (ccx, cw) = match pics.photo {
        Some(_) => (mm(LEFT + 60.0), mm(120.0)),
        None => (cx, width),
    };
    let small = Style::new(11.0, GREY);
    y += mm(14.0);
    p.text(
        s,
        ccx,
        y,
        small,
        Align::Center,
        "兹证明 This is to certify that",
    );
    let name = Style::new(24.0, INK).bold();
    y = p.paragraph_centered(s, ccx, y + mm(14.0), cw, name, &cert.holder_name);
    if let Some(latin) = &cert.holder_name_latin {
        y = p.paragraph_centered(s, ccx, y + mm(3.5), cw, Style::new(13.0, GREY), latin);
    }
    y += mm(10.0);
    p.text(
        s,
        ccx,
        y,
        small,
        Align::Center,
        "已达到以下职业技能等级 has attained",
    );
    let level = cert.level_info()?;
    let level_text = format!("{} {}", level.zh, level.en);
    let st = Style::new(16.0, ACCENT).bold();
    y = p.paragraph_centered(s, ccx, y + mm(10.0), cw, st, &level_text);
    let st = Style::new(9.0, GREY);
    y = p.paragraph_centered(s, ccx, y + mm(4.0), cw, st, cert.framework.title());

    let mut rows: Vec<Row> = vec![(("职业/项目", "Occupation"), occupation(cert), VALUE)];
    if let Some(sp) = cert.specialty.as_deref().filter(|t| !t.trim().is_empty()) {
        rows.push((("方向", "Specialty"), sp.to_owned(), VALUE));
    }
    rows.extend([
        (
            ("证书编号", "Certificate No."),
            cert.number.clone(),
            VALUE.bold(),
        ),
        (
            ("证件", "ID"),
            format!("{}  {}", cert.id_type, cert.id_number),
            VALUE,
        ),
        (("颁发机构", "Issued by"), cert.organisation.clone(), VALUE),
        (("发证日期", "Date of issue"), date(cert.issued), VALUE),
    ]);
    if let Some(until) = cert.valid_until {
        rows.push((("有效期至", "Valid until"), date(until), VALUE));
    }
    let (y, org_y) = table(p, s, (y + mm(14.0)).max(mm(125.0)), &rows, "颁发机构");
    seal(s, pics, 120.0, org_y);
    footer(p, s, cert, y)
}

impl Printer {
    /// Draws `text` centred on `cx`, wrapped into `width`; returns the y below it.
    fn paragraph_centered(
        &self,
        s: &mut Surface<'_>,
        cx: f32,
        y: f32,
        width: f32,
        st: Style,
        text: &str,
    ) -> f32 {
        let lines = self.wrap(text, st.size, width);
        let mut y = y;
        for (i, l) in lines.iter().enumerate() {
            if i > 0 {
                y += st.size * 1.3;
            }
            self.text(s, cx, y, st, Align::Center, l);
        }
        y + st.size * 0.4
    }
}
