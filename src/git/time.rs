//! UTC timestamps as ISO 8601 text and back, without a date library: the proleptic Gregorian
//! calendar conversions of Howard Hinnant's `days_from_civil` / `civil_from_days`.

/// Days since 1970-01-01 of a civil date.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Civil date of days since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Formats seconds since the epoch as `YYYY-MM-DDTHH:MM:SSZ`.
///
/// ```
/// use mlops_canvas::git::time::{format_utc, parse_utc};
/// assert_eq!(format_utc(1_709_209_800), "2024-02-29T12:30:00Z");
/// assert_eq!(parse_utc("2024-02-29T12:30:00Z"), Some(1_709_209_800));
/// ```
pub fn format_utc(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

fn num(s: &str) -> Option<i64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Parses `YYYY-MM-DD` (00:00 UTC), `YYYY-MM-DDTHH:MM[:SS]` with an optional `Z` or `±HH:MM`
/// offset (a space may replace `T`). Returns seconds since the epoch.
pub fn parse_utc(text: &str) -> Option<i64> {
    let t = text.trim();
    let (date, time) = match t.find(['T', ' ']) {
        Some(i) => (&t[..i], Some(&t[i + 1..])),
        None => (t, None),
    };
    let mut parts = date.split('-');
    let y = num(parts.next()?)?;
    let m = num(parts.next()?)? as u32;
    let d = num(parts.next()?)? as u32;
    if parts.next().is_some() || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let mut secs = days_from_civil(y, m, d) * 86_400;
    if let Some(time) = time {
        let (clock, offset) = if let Some(c) = time.strip_suffix('Z') {
            (c, 0)
        } else if let Some(i) = time.rfind(['+', '-']) {
            let (c, off) = time.split_at(i);
            let sign = if off.starts_with('-') { -1 } else { 1 };
            let mut hm = off[1..].split(':');
            let oh = num(hm.next()?)?;
            let om = hm.next().map_or(Some(0), num)?;
            (c, sign * (oh * 3600 + om * 60))
        } else {
            (time, 0)
        };
        let mut hms = clock.split(':');
        let h = num(hms.next()?)?;
        let mi = num(hms.next()?)?;
        let s = hms.next().map_or(Some(0), num)?;
        if h > 23 || mi > 59 || s > 60 {
            return None;
        }
        secs += h * 3600 + mi * 60 + s - offset;
    }
    Some(secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_dates() {
        assert_eq!(parse_utc("1970-01-01"), Some(0));
        assert_eq!(parse_utc("2024-02-29T12:30:00Z"), Some(1_709_209_800));
        assert_eq!(format_utc(1_709_209_800), "2024-02-29T12:30:00Z");
        assert_eq!(parse_utc("2024-02-29T14:30:00+02:00"), Some(1_709_209_800));
        for s in [0, 951_782_400, 1_700_000_000, -86_400] {
            assert_eq!(parse_utc(&format_utc(s)), Some(s));
        }
    }

    #[test]
    fn rejects_garbage() {
        for bad in ["", "2024", "2024-13-01", "yesterday", "2024-01-01T25:00"] {
            assert_eq!(parse_utc(bad), None, "{bad}");
        }
    }
}
