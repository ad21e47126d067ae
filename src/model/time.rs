//! Clock helpers of the certificate model: whole-second "now" and validity in whole years.

use chrono::{DateTime, Datelike, Duration, TimeZone, Utc};

/// `t` plus whole years, minus one second (a 5-year certificate from 2026-10-12T00:00:00Z ends
/// 2031-10-11T23:59:59Z). 29 February falls back to 28 February.
pub fn add_years(t: DateTime<Utc>, years: u32) -> DateTime<Utc> {
    let y = t.year() + years as i32;
    let shifted = t.with_year(y).unwrap_or_else(|| {
        Utc.with_ymd_and_hms(y, t.month(), 28, 0, 0, 0)
            .single()
            .expect("valid date")
            + (t - t
                .date_naive()
                .and_hms_opt(0, 0, 0)
                .expect("midnight")
                .and_utc())
    });
    shifted - Duration::seconds(1)
}

/// Now, in whole seconds.
pub fn now_secs() -> DateTime<Utc> {
    Utc.timestamp_opt(Utc::now().timestamp(), 0)
        .single()
        .expect("now")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{format_time, parse_time};

    #[test]
    fn years_end_one_second_early() {
        let t = parse_time("t", "2026-10-12T00:00:00Z").unwrap();
        assert_eq!(format_time(&add_years(t, 5)), "2031-10-11T23:59:59Z");
        let leap = parse_time("t", "2028-02-29T12:00:00Z").unwrap();
        assert_eq!(format_time(&add_years(leap, 1)), "2029-02-28T11:59:59Z");
    }

    #[test]
    fn now_is_whole_seconds() {
        assert_eq!(now_secs().timestamp_subsec_nanos(), 0);
    }
}
