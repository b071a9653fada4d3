//! Times on the dashboard's pages are the township's local time. The zone is set in one place,
//! `jiayi_core::time::china_offset` (China Standard Time, UTC+8, no daylight saving), the same
//! rule that gives records their calendar day.

use chrono::{DateTime, FixedOffset, Utc};
use jiayi_core::Lang;

/// The township's zone.
pub(crate) fn zone() -> FixedOffset {
    jiayi_core::time::china_offset()
}

/// The zone's name beside a column of times.
pub(crate) fn zone_name(lang: Lang) -> &'static str {
    lang.pick("北京时间", "China Standard Time")
}

/// `2026-12-07 18:34` in the township's zone.
pub(crate) fn local(at: DateTime<Utc>) -> String {
    at.with_timezone(&zone())
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// A stored RFC 3339 time in the township's zone; text that is no time is shown as it is.
pub(crate) fn local_text(stored: &str) -> String {
    match DateTime::parse_from_rfc3339(stored) {
        Ok(at) => local(at.with_timezone(&Utc)),
        Err(_) => stored.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_utc_times_show_in_china_standard_time() {
        assert_eq!(local_text("2026-11-30T16:05:00.000Z"), "2026-12-01 00:05");
        assert_eq!(local_text("2026-11-30T08:00:00+08:00"), "2026-11-30 08:00");
        assert_eq!(local_text("not a time"), "not a time");
    }
}
