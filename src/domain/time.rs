//! Timestamps are stored as `YYYY-MM-DDTHH:MM:SSZ` text so that string order is time order in
//! `SQLite` and `PostgreSQL` alike.

use chrono::{DateTime, NaiveDate, Utc};

pub fn to_db(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

pub fn date_to_db(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

/// "3 min ago", "2 h ago", "5 d ago", or the date for anything older than a year.
pub fn relative(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let secs = (now - at).num_seconds();
    if secs < 0 {
        return "in the future".to_owned();
    }
    match secs {
        0..60 => "just now".to_owned(),
        60..3600 => format!("{} min ago", secs / 60),
        3600..86_400 => format!("{} h ago", secs / 3600),
        86_400..31_536_000 => format!("{} d ago", secs / 86_400),
        _ => at.format("%Y-%m-%d").to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn formats_sort_as_text() {
        let a = Utc
            .with_ymd_and_hms(2026, 1, 2, 3, 4, 5)
            .single()
            .expect("valid");
        assert_eq!(to_db(a), "2026-01-02T03:04:05Z");
    }

    #[test]
    fn relative_times() {
        let now = Utc
            .with_ymd_and_hms(2026, 11, 22, 12, 0, 0)
            .single()
            .expect("valid");
        assert_eq!(
            relative(now - chrono::Duration::minutes(3), now),
            "3 min ago"
        );
        assert_eq!(relative(now - chrono::Duration::hours(5), now), "5 h ago");
        assert_eq!(relative(now - chrono::Duration::days(40), now), "40 d ago");
        assert_eq!(
            relative(now - chrono::Duration::days(400), now),
            "2025-10-18"
        );
    }
}
