//! Timestamps in the two forms COS uses: HTTP dates in headers and ISO 8601 with
//! milliseconds in XML bodies.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch; what the store keeps.
pub(crate) fn unix_millis(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

pub(crate) fn from_unix_millis(millis: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(millis)
}

/// The last instant an HTTP date can show: 9999-12-31T23:59:59Z.
const LAST_HTTP_DATE_SECS: u64 = 253_402_300_799;

/// `Thu, 16 May 2019 06:45:51 GMT`. Total: a time before 1970 or after year 9999 (which
/// `httpdate` cannot format) is shown as the nearest instant it can.
pub(crate) fn http_date(time: SystemTime) -> String {
    let last = UNIX_EPOCH + Duration::from_secs(LAST_HTTP_DATE_SECS);
    httpdate::fmt_http_date(time.clamp(UNIX_EPOCH, last))
}

pub(crate) fn parse_http_date(text: &str) -> Option<SystemTime> {
    httpdate::parse_http_date(text.trim()).ok()
}

/// `2019-05-16T06:45:51.000Z`, as in ListBucketResult and friends.
pub(crate) fn iso8601(millis: u64) -> String {
    let secs = millis / 1000;
    let (year, month, day) = civil_from_days(secs / 86_400);
    let rem = secs % 86_400;
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        millis % 1000
    )
}

/// Gregorian date of a day count since 1970-01-01 (Howard Hinnant's `civil_from_days`,
/// restricted to dates after the epoch).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso8601_matches_known_instants() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00.000Z");
        // The signing example's Date header: Thu, 16 May 2019 06:45:51 GMT.
        assert_eq!(iso8601(1_557_989_151_250), "2019-05-16T06:45:51.250Z");
        // A leap day.
        assert_eq!(iso8601(1_709_164_800_000), "2024-02-29T00:00:00.000Z");
    }

    #[test]
    fn http_date_round_trips_whole_seconds() {
        let t = from_unix_millis(1_557_989_151_000);
        assert_eq!(http_date(t), "Thu, 16 May 2019 06:45:51 GMT");
        assert_eq!(parse_http_date("Thu, 16 May 2019 06:45:51 GMT"), Some(t));
        assert_eq!(parse_http_date("yesterday"), None);
    }

    #[test]
    fn http_date_is_total() {
        let before_1970 = UNIX_EPOCH - Duration::from_secs(2_000_000_000);
        assert_eq!(http_date(before_1970), "Thu, 01 Jan 1970 00:00:00 GMT");
        let after_9999 = UNIX_EPOCH + Duration::from_secs(LAST_HTTP_DATE_SECS + 86_400);
        assert_eq!(http_date(after_9999), "Fri, 31 Dec 9999 23:59:59 GMT");
    }
}
