//! Timestamps as trackers write them: RFC 3339 (`Z` or `+02:00`), Jira's `+0200`, GitLab
//! webhooks' `2017-12-10 16:41:28 UTC`, and plain dates.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

pub fn parse(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Some(at.with_timezone(&Utc));
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%d %H:%M:%S%.f %z",
        "%Y-%m-%d %H:%M:%S %z",
    ] {
        if let Ok(at) = DateTime::parse_from_str(text, format) {
            return Some(at.with_timezone(&Utc));
        }
    }
    if let Some(naive) = text.strip_suffix(" UTC")
        && let Ok(at) = NaiveDateTime::parse_from_str(naive, "%Y-%m-%d %H:%M:%S%.f")
    {
        return Some(at.and_utc());
    }
    // No offset at all (some Jira fields): taken as UTC.
    if let Ok(at) = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f") {
        return Some(at.and_utc());
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc())
}

pub fn parse_date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok()
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn every_tracker_form_parses_to_the_same_instant() {
        let want = parse("2017-12-10T16:41:28Z").expect("rfc 3339");
        for text in [
            "2017-12-10T16:41:28.000Z",
            "2017-12-10T18:41:28+02:00",
            "2017-12-10T18:41:28.000+0200",
            "2017-12-10 16:41:28 UTC",
            "2017-12-10 18:41:28 +0200",
        ] {
            assert_eq!(parse(text), Some(want), "{text}");
        }
        assert!(parse("yesterday").is_none());
    }
}
