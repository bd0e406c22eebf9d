//! The only place that reads the system time. Tests and demos freeze it with `SPRINTDECK_NOW`
//! so that relative dates ("3 days ago", the active sprint) are reproducible.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};

/// Environment variable that freezes the clock: RFC 3339 (`2026-11-22T09:00:00Z`) or a date.
pub const NOW_ENV: &str = "SPRINTDECK_NOW";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clock {
    frozen: Option<DateTime<Utc>>,
}

#[derive(Debug, thiserror::Error)]
#[error(
    "{NOW_ENV}={value:?} is not a time: use RFC 3339 such as 2026-11-22T09:00:00Z, or a date such as 2026-11-22"
)]
pub struct ClockError {
    value: String,
}

impl Clock {
    pub fn system() -> Self {
        Self { frozen: None }
    }

    pub fn frozen(at: DateTime<Utc>) -> Self {
        Self { frozen: Some(at) }
    }

    /// The system clock, unless `SPRINTDECK_NOW` freezes it.
    pub fn from_env() -> Result<Self, ClockError> {
        match std::env::var(NOW_ENV) {
            Ok(value) if !value.trim().is_empty() => parse_instant(&value)
                .map(Self::frozen)
                .ok_or(ClockError { value }),
            _ => Ok(Self::system()),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.frozen.unwrap_or_else(Utc::now)
    }

    pub fn today(&self) -> NaiveDate {
        self.now().date_naive()
    }

    pub fn is_frozen(&self) -> bool {
        self.frozen.is_some()
    }
}

/// Parses RFC 3339 or a bare date (taken as midnight UTC).
pub fn parse_instant(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Some(at.with_timezone(&Utc));
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .map(|d| d.and_time(NaiveTime::MIN).and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rfc3339_and_dates() {
        let at = parse_instant("2026-11-22T09:30:00+02:00").expect("rfc3339");
        assert_eq!(at.to_rfc3339(), "2026-11-22T07:30:00+00:00");
        let day = parse_instant("2026-01-05").expect("date");
        assert_eq!(day.to_rfc3339(), "2026-01-05T00:00:00+00:00");
        assert!(parse_instant("yesterday").is_none());
    }

    #[test]
    fn frozen_clock_does_not_move() {
        let at = parse_instant("2026-11-22").expect("date");
        let clock = Clock::frozen(at);
        assert_eq!(clock.now(), at);
        assert_eq!(clock.today(), at.date_naive());
    }
}
