//! Calendar days are China Standard Time (UTC+8, no daylight saving): a visit at 07:00 in the
//! village belongs to that day, not to the previous UTC day.

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};

pub fn china_offset() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("valid offset")
}

pub fn china_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&china_offset()).date_naive()
}

/// Noon of a local day, as UTC: a safe instant for records that only know their date.
pub fn china_noon(day: NaiveDate) -> DateTime<Utc> {
    day.and_hms_opt(12, 0, 0)
        .and_then(|t| t.and_local_timezone(china_offset()).single())
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn early_morning_belongs_to_the_local_day() {
        let at: DateTime<Utc> = "2026-11-22T23:30:00Z".parse().unwrap();
        assert_eq!(
            china_date(at),
            NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
        );
        let noon = china_noon(NaiveDate::from_ymd_opt(2026, 11, 23).unwrap());
        assert_eq!(noon.to_rfc3339(), "2026-11-23T04:00:00+00:00");
    }
}
