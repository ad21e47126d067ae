//! Clock helpers of the certificate model: whole-second "now" and validity in whole years.

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, TimeZone, Utc};

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

/// The end of validity `years` whole years after `t`, as an issuer means it: 23:59:59 China
/// Standard Time (UTC+08:00) on the same calendar date (in that time zone) `years` later;
/// 29 February falls back to 28 February. A 5-year certificate from 2 December 2026 (Beijing
/// time) is valid until the end of 2 December 2031 (`2031-12-02T15:59:59Z`), the date its
/// pages print. (The QR form's own "whole years" field keeps [`add_years`].)
pub fn end_of_day_years(t: DateTime<Utc>, years: u32) -> DateTime<Utc> {
    let Some(cst) = FixedOffset::east_opt(8 * 3600) else {
        return add_years(t, years);
    };
    let local = t.with_timezone(&cst).date_naive();
    let y = local.year() + years as i32;
    let date = NaiveDate::from_ymd_opt(y, local.month(), local.day())
        .or_else(|| NaiveDate::from_ymd_opt(y, local.month(), 28));
    date.and_then(|d| d.and_hms_opt(23, 59, 59))
        .and_then(|end| end.and_local_timezone(cst).single())
        .map_or_else(|| add_years(t, years), |end| end.with_timezone(&Utc))
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
    fn years_end_at_the_end_of_the_day_in_china() {
        let t = parse_time("t", "2026-12-02T06:44:21Z").unwrap();
        assert_eq!(format_time(&end_of_day_years(t, 5)), "2031-12-02T15:59:59Z");
        // 20:00 UTC on 1 December is already 2 December in Beijing.
        let late = parse_time("t", "2026-12-01T20:00:00Z").unwrap();
        assert_eq!(
            format_time(&end_of_day_years(late, 5)),
            "2031-12-02T15:59:59Z"
        );
        let leap = parse_time("t", "2028-02-29T12:00:00Z").unwrap();
        assert_eq!(
            format_time(&end_of_day_years(leap, 1)),
            "2029-02-28T15:59:59Z"
        );
    }

    #[test]
    fn now_is_whole_seconds() {
        assert_eq!(now_secs().timestamp_subsec_nanos(), 0);
    }
}
