//! The page layouts: the national 职业技能等级证书 for `cn-nvq` (title, a table of labelled
//! fields beside the photo box, the organisation under its seal, the QR code and the public
//! query addresses), and a centred certificate layout for `1x`, `iiw` and `eqf`.

use super::draw::{self, mm, Align, Style, ACCENT, GREY, INK};
use super::images::{Picture, Pictures};
use super::{PdfError, PrintedCertificate, Printer};
use crate::model::levels::Framework;
use chrono::NaiveDate;
use krilla::geom::{Rect, Size, Transform};
use krilla::page::PageSettings;
use krilla::surface::Surface;
use krilla::Document;

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
    let cx = PAGE_W / 2.0;
    p.text(
        s,
        cx,
        mm(36.0),
        Style::new(30.0, ACCENT).bold(),
        Align::Center,
        &cert.title_zh,
    );
    p.text(
        s,
        cx,
        mm(45.0),
        Style::new(13.0, GREY),
        Align::Center,
        &cert.title_en,
    );
    draw::rule(s, mm(LEFT), mm(RIGHT), mm(52.0), 0.8, ACCENT);
    draw::rule(s, mm(LEFT), mm(RIGHT), mm(53.2), 0.3, ACCENT);
    photo_box(p, s, pics, PHOTO);

    let level = cert.level_info()?;
    let beside = PHOTO.0 - 4.0;
    let vx = 70.0;
    let mut y = mm(70.0);
    let next = |p: &Printer, s: &mut Surface<'_>, y: &mut f32, label, value: &str, st| {
        let right = if *y < mm(PHOTO.1 + PHOTO.3) {
            beside
        } else {
            RIGHT
        };
        *y = row(p, s, *y, label, value, st, vx, right);
    };
    next(
        p,
        s,
        &mut y,
        ("姓名", "Name"),
        &cert.holder_name,
        VALUE.sized(15.0).bold(),
    );
    if let Some(latin) = &cert.holder_name_latin {
        p.text(
            s,
            mm(vx),
            y - mm(4.5),
            Style::new(9.5, GREY),
            Align::Left,
            latin,
        );
        y += mm(2.0);
    }
    next(p, s, &mut y, ("证件类型", "ID type"), &cert.id_type, VALUE);
    next(
        p,
        s,
        &mut y,
        ("证件号码", "ID number"),
        &cert.id_number,
        VALUE,
    );
    let occupation = if cert.occupation_code.is_empty() {
        cert.occupation.clone()
    } else {
        format!("{}  {}", cert.occupation, cert.occupation_code)
    };
    next(p, s, &mut y, ("职业", "Occupation"), &occupation, VALUE);
    let specialty = cert.specialty.as_deref().filter(|t| !t.trim().is_empty());
    next(
        p,
        s,
        &mut y,
        ("工种/职业方向", "Specialty"),
        specialty.unwrap_or("--"),
        VALUE,
    );
    let level_text = format!("{} {}", level.zh, level.en);
    next(
        p,
        s,
        &mut y,
        ("职业技能等级", "Skill level"),
        &level_text,
        VALUE.bold(),
    );
    next(
        p,
        s,
        &mut y,
        ("证书编号", "Certificate No."),
        &cert.number,
        VALUE.bold(),
    );
    let org_y = y;
    next(
        p,
        s,
        &mut y,
        ("评价机构", "Evaluation organisation"),
        &cert.organisation,
        VALUE,
    );
    next(
        p,
        s,
        &mut y,
        ("发证日期", "Date of issue"),
        &date(cert.issued),
        VALUE,
    );
    if let Some(until) = cert.valid_until {
        next(
            p,
            s,
            &mut y,
            ("有效期至", "Valid until"),
            &date(until),
            VALUE,
        );
    }
    if let Some(seal) = &pics.seal {
        // Over the organisation's name, as a stamp is placed.
        let top = org_y * 25.4 / 72.0 - 20.0;
        picture(s, seal, 112.0, top.max(60.0), 40.0, 40.0);
    }
    footer(p, s, cert, y)
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
    let module = draw::qr(s, mm(LEFT - 3.0), top, mm(QR_SIDE), &cert.qr_text)?;
    let _ = module;
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
    let cx = PAGE_W / 2.0;
    let width = mm(RIGHT - LEFT);
    let title = Style::new(26.0, ACCENT).bold();
    let mut y = p.paragraph_centered(s, cx, mm(38.0), width, title, &cert.title_zh);
    y = p.paragraph_centered(
        s,
        cx,
        y + mm(7.0),
        width,
        Style::new(14.0, GREY),
        &cert.title_en,
    );
    draw::rule(s, mm(60.0), mm(150.0), y + mm(4.0), 0.8, ACCENT);
    let has_photo = pics.photo.is_some();
    if has_photo {
        photo_box(p, s, pics, (150.0, 62.0, 35.0, 49.0));
    }
    let centre_w = if has_photo { mm(120.0) } else { width };
    let ccx = if has_photo { mm(LEFT + 60.0) } else { cx };
    y += mm(14.0);
    p.text(
        s,
        ccx,
        y,
        Style::new(11.0, GREY),
        Align::Center,
        "兹证明 This is to certify that",
    );
    y += mm(14.0);
    y = p.paragraph_centered(
        s,
        ccx,
        y,
        centre_w,
        Style::new(24.0, INK).bold(),
        &cert.holder_name,
    );
    if let Some(latin) = &cert.holder_name_latin {
        y = p.paragraph_centered(s, ccx, y + mm(3.5), centre_w, Style::new(13.0, GREY), latin);
    }
    y += mm(10.0);
    p.text(
        s,
        ccx,
        y,
        Style::new(11.0, GREY),
        Align::Center,
        "已达到以下职业技能等级 has attained",
    );
    y += mm(10.0);
    let level = cert.level_info()?;
    let level_text = format!("{} {}", level.zh, level.en);
    y = p.paragraph_centered(
        s,
        ccx,
        y,
        centre_w,
        Style::new(16.0, ACCENT).bold(),
        &level_text,
    );
    y = p.paragraph_centered(
        s,
        ccx,
        y + mm(4.0),
        centre_w,
        Style::new(9.0, GREY),
        cert.framework.title(),
    );
    y += mm(14.0);
    let vx = 70.0;
    let occupation = if cert.occupation_code.is_empty() {
        cert.occupation.clone()
    } else {
        format!("{}  {}", cert.occupation, cert.occupation_code)
    };
    y = y.max(mm(125.0));
    y = row(
        p,
        s,
        y,
        ("职业/项目", "Occupation"),
        &occupation,
        VALUE,
        vx,
        RIGHT,
    );
    if let Some(sp) = cert.specialty.as_deref().filter(|t| !t.trim().is_empty()) {
        y = row(p, s, y, ("方向", "Specialty"), sp, VALUE, vx, RIGHT);
    }
    y = row(
        p,
        s,
        y,
        ("证书编号", "Certificate No."),
        &cert.number,
        VALUE.bold(),
        vx,
        RIGHT,
    );
    let id = format!("{}  {}", cert.id_type, cert.id_number);
    y = row(p, s, y, ("证件", "ID"), &id, VALUE, vx, RIGHT);
    let org_y = y;
    y = row(
        p,
        s,
        y,
        ("颁发机构", "Issued by"),
        &cert.organisation,
        VALUE,
        vx,
        RIGHT,
    );
    y = row(
        p,
        s,
        y,
        ("发证日期", "Date of issue"),
        &date(cert.issued),
        VALUE,
        vx,
        RIGHT,
    );
    if let Some(until) = cert.valid_until {
        y = row(
            p,
            s,
            y,
            ("有效期至", "Valid until"),
            &date(until),
            VALUE,
            vx,
            RIGHT,
        );
    }
    if let Some(seal) = &pics.seal {
        let top = org_y * 25.4 / 72.0 - 20.0;
        picture(s, seal, 120.0, top, 40.0, 40.0);
    }
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
