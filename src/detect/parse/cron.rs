//! Cron expressions in words: "0 3 * * 1" → "weekly on Monday at 03:00 UTC". Covers the shapes
//! CI schedules use; anything else is echoed as "cron <expr>". Also AWS EventBridge schedules
//! (six-field `cron(...)` and `rate(...)`, used by SageMaker pipelines and Metaflow on Step
//! Functions) and a rough runs-per-week figure for cadence comparisons.

const DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

fn num(s: &str) -> Option<u32> {
    s.parse().ok()
}

fn day_name(s: &str) -> Option<String> {
    let names = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
    let idx = num(s)
        .map(|n| (n % 7) as usize)
        .or_else(|| names.iter().position(|n| s.eq_ignore_ascii_case(n)))?;
    Some(DAYS[idx].to_string())
}

fn days_list(s: &str) -> Option<String> {
    if let Some((a, b)) = s.split_once('-') {
        return Some(format!("{} to {}", day_name(a)?, day_name(b)?));
    }
    let names: Option<Vec<String>> = s.split(',').map(day_name).collect();
    let names = names?;
    Some(names.join(", "))
}

/// A human reading of a five-field cron expression.
pub(crate) fn describe(expr: &str) -> String {
    let fields: Vec<&str> = expr.split_whitespace().collect();
    let fallback = format!("cron {expr}");
    if fields.len() != 5 {
        return fallback;
    }
    let (min, hour, dom, mon, dow) = (fields[0], fields[1], fields[2], fields[3], fields[4]);
    let at = match (num(min), num(hour)) {
        (Some(m), Some(h)) => Some(format!("at {h:02}:{m:02} UTC")),
        _ => None,
    };
    if let Some(step) = min.strip_prefix("*/") {
        if hour == "*" && dom == "*" && mon == "*" && dow == "*" {
            return format!("every {step} minutes");
        }
    }
    if let (Some(m), Some(step)) = (num(min), hour.strip_prefix("*/")) {
        if dom == "*" && mon == "*" && dow == "*" {
            return format!("every {step} hours at minute {m}");
        }
    }
    if num(min).is_some() && hour == "*" && dom == "*" && mon == "*" && dow == "*" {
        return "hourly".to_string();
    }
    let Some(at) = at else { return fallback };
    match (dom, mon, dow) {
        ("*", "*", "*") => format!("daily {at}"),
        ("*", "*", d) => days_list(d).map_or(fallback, |days| {
            if d.contains(',') || d.contains('-') {
                format!("on {days} {at}")
            } else {
                format!("weekly on {days} {at}")
            }
        }),
        (d, "*", "*") if num(d).is_some() => format!("monthly on day {d} {at}"),
        (d, m, "*") if num(d).is_some() && num(m).is_some() => {
            format!("yearly on {m}/{d} {at}")
        }
        _ => fallback,
    }
}

/// A human reading of an AWS EventBridge schedule: `cron(0 2 ? * MON *)` (six fields, `?` for
/// "any", days of the week numbered 1-7 from Sunday, a year), `rate(1 day)`, or a plain
/// five-field cron.
pub(crate) fn describe_aws(expr: &str) -> String {
    let e = expr.trim();
    if let Some(rate) = e.strip_prefix("rate(").and_then(|r| r.strip_suffix(')')) {
        return format!("every {}", rate.trim());
    }
    let inner = e
        .strip_prefix("cron(")
        .and_then(|r| r.strip_suffix(')'))
        .unwrap_or(e);
    let f: Vec<&str> = inner.split_whitespace().collect();
    if f.len() != 6 {
        return describe(inner);
    }
    let any = |s: &str| {
        if s == "?" {
            "*".to_string()
        } else {
            s.to_string()
        }
    };
    // EventBridge counts Sunday as 1; cron as 0.
    let mut dow = String::new();
    let mut digits = String::new();
    for c in f[4].chars().chain(std::iter::once(' ')) {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        if !digits.is_empty() {
            let n = num(&digits).unwrap_or(1);
            dow.push_str(&n.saturating_sub(1).to_string());
            digits.clear();
        }
        if c != ' ' {
            dow.push(c);
        }
    }
    let five = format!("{} {} {} {} {}", f[0], f[1], any(f[2]), f[3], any(&dow));
    let reading = describe(&five);
    if reading.starts_with("cron ") {
        format!("cron {inner}")
    } else {
        reading
    }
}

/// Roughly how many times a week the expression fires (for cadence comparisons), if simple.
pub(crate) fn runs_per_week(expr: &str) -> Option<f64> {
    let f: Vec<&str> = expr.split_whitespace().collect();
    if f.len() != 5 {
        return None;
    }
    let count = |field: &str, span: u32| -> Option<f64> {
        if field == "*" {
            Some(f64::from(span))
        } else if let Some(step) = field.strip_prefix("*/") {
            Some(f64::from(span) / f64::from(num(step)?.max(1)))
        } else if let Some((a, b)) = field.split_once('-') {
            Some(f64::from(num(b)?.saturating_sub(num(a)?) + 1))
        } else {
            Some(field.split(',').count() as f64)
        }
    };
    let per_day = count(f[0], 60)? * count(f[1], 24)?;
    let days = if f[2] == "*" && f[4] == "*" {
        7.0
    } else if f[2] == "*" {
        count(f[4], 7)?.min(7.0)
    } else {
        count(f[2], 31)? * 7.0 / 30.4
    };
    Some(per_day * days)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describes_common_schedules() {
        assert_eq!(describe("0 3 * * 1"), "weekly on Monday at 03:00 UTC");
        assert_eq!(describe("30 2 * * *"), "daily at 02:30 UTC");
        assert_eq!(describe("*/15 * * * *"), "every 15 minutes");
        assert_eq!(describe("0 */6 * * *"), "every 6 hours at minute 0");
        assert_eq!(describe("0 4 1 * *"), "monthly on day 1 at 04:00 UTC");
        assert_eq!(describe("0 9 * * 1-5"), "on Monday to Friday at 09:00 UTC");
        assert_eq!(describe("0 0 * * sun"), "weekly on Sunday at 00:00 UTC");
        assert_eq!(describe("bad"), "cron bad");
    }

    #[test]
    fn describes_aws_schedules() {
        assert_eq!(
            describe_aws("cron(0 2 ? * MON *)"),
            "weekly on Monday at 02:00 UTC"
        );
        assert_eq!(describe_aws("0 4 ? * 2 *"), "weekly on Monday at 04:00 UTC");
        assert_eq!(describe_aws("30 1 * * ? *"), "daily at 01:30 UTC");
        assert_eq!(describe_aws("rate(1 day)"), "every 1 day");
        assert_eq!(describe_aws("0 3 * * *"), "daily at 03:00 UTC");
        assert_eq!(describe_aws("15 10 ? * 6L 2025"), "cron 15 10 ? * 6L 2025");
    }

    #[test]
    fn estimates_runs_per_week() {
        assert_eq!(runs_per_week("0 3 * * 1"), Some(1.0));
        assert_eq!(runs_per_week("0 3 * * *"), Some(7.0));
    }
}
