//! The one duration grammar for flags (`report --max-age 1w`) and queries (`updated:<30m`):
//! humantime's, so `30m`, `2h`, `1d`, `1w` and combinations such as `1h30m` read the same
//! everywhere (also `s`, and `M`/`y` for months and years).

use chrono::TimeDelta;

/// What every duration error suggests.
pub const EXAMPLES: &str = "30m, 2h, 1d or 1w";

/// `text` as a span of time; the error says why not (a bare number, an unknown unit, too long).
pub fn parse(text: &str) -> Result<TimeDelta, String> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err("no duration given".to_owned());
    }
    let std = humantime::parse_duration(trimmed).map_err(|e| e.to_string())?;
    TimeDelta::from_std(std).map_err(|_| "too long a duration".to_owned())
}

/// `text` in whole seconds, as the query language compares ages.
pub fn seconds(text: &str) -> Result<i64, String> {
    parse(text).map(|d| d.num_seconds())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minutes_hours_days_and_weeks_and_their_sums() {
        for (text, secs) in [
            ("30m", 1800),
            ("2h", 7200),
            ("1d", 86_400),
            ("1w", 7 * 86_400),
            ("1h30m", 5400),
            ("1h 30m", 5400),
            ("90s", 90),
            ("0m", 0),
        ] {
            assert_eq!(seconds(text), Ok(secs), "{text}");
        }
    }

    #[test]
    fn bare_numbers_unknown_units_and_overflow_are_refused() {
        for text in [
            "",
            "30",
            "5 fortnights",
            "-1d",
            "1d-",
            "99999999999999999999w",
        ] {
            assert!(parse(text).is_err(), "{text:?} parsed");
        }
    }
}
