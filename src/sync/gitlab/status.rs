//! GitLab has no workflow statuses, only open/closed and labels. A status label (scoped
//! `workflow::*` or `status::*`, or `Doing`, `In Progress`, `Review`) names the status and
//! gives its category; `[[gitlab]] status_labels` adds or overrides labels and scoped prefixes.

use std::collections::BTreeMap;

use crate::domain::StatusCategory;

#[derive(Debug, Clone, Default)]
pub struct StatusMap {
    /// Lower-case label, or scoped prefix ending in `::`, → category.
    overrides: Vec<(String, StatusCategory)>,
}

/// The status shown for an issue with no status label.
pub const OPEN: &str = "Open";
pub const CLOSED: &str = "Closed";

impl StatusMap {
    /// From `[[gitlab]] status_labels`; values are category names (`todo`, `doing`, `done`, …).
    pub fn new(config: &BTreeMap<String, String>) -> Result<Self, String> {
        let mut overrides = Vec::new();
        for (label, category) in config {
            let c = StatusCategory::from_user(category).ok_or_else(|| {
                format!("status_labels.{label}: `{category}` is not todo, doing or done")
            })?;
            overrides.push((label.to_lowercase(), c));
        }
        // Exact labels before prefixes, longer prefixes first.
        overrides.sort_by_key(|(l, _)| (l.ends_with("::"), std::cmp::Reverse(l.len())));
        Ok(Self { overrides })
    }

    /// The category a label gives, if it is a status label.
    pub fn category(&self, label: &str) -> Option<StatusCategory> {
        let lower = label.to_lowercase();
        for (key, category) in &self.overrides {
            if *key == lower || (key.ends_with("::") && lower.starts_with(key.as_str())) {
                return Some(*category);
            }
        }
        if let Some(value) = lower
            .strip_prefix("workflow::")
            .or_else(|| lower.strip_prefix("status::"))
        {
            return Some(classify(value));
        }
        match lower.as_str() {
            "doing" | "in progress" | "review" => Some(StatusCategory::InProgress),
            _ => None,
        }
    }

    /// Status name and category: closed issues are done; an open one takes its status label
    /// (the last one listed when several are), else "Open".
    pub fn status(&self, closed: bool, labels: &[String]) -> (String, StatusCategory) {
        if closed {
            return (CLOSED.to_owned(), StatusCategory::Done);
        }
        labels
            .iter()
            .rev()
            .find_map(|l| self.category(l).map(|c| (l.clone(), c)))
            .unwrap_or_else(|| (OPEN.to_owned(), StatusCategory::Todo))
    }
}

const DONE: [&str; 6] = [
    "done",
    "closed",
    "complete",
    "completed",
    "resolved",
    "released",
];
const DOING: [&str; 12] = [
    "doing",
    "in progress",
    "wip",
    "review",
    "in review",
    "code review",
    "testing",
    "qa",
    "verification",
    "in dev",
    "development",
    "blocked",
];

/// The value of a scoped status label: words that say done, in progress, or (anything else)
/// to do.
fn classify(value: &str) -> StatusCategory {
    let v = value.trim().replace(['-', '_'], " ");
    if DONE.contains(&v.as_str()) {
        StatusCategory::Done
    } else if DOING.contains(&v.as_str()) {
        StatusCategory::InProgress
    } else {
        StatusCategory::Todo
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_overrides() {
        let mut config = BTreeMap::new();
        config.insert("workflow::design".to_owned(), "doing".to_owned());
        config.insert("stage::".to_owned(), "doing".to_owned());
        let map = StatusMap::new(&config).expect("valid");
        let c = |l: &str| map.category(l);
        assert_eq!(c("workflow::doing"), Some(StatusCategory::InProgress));
        assert_eq!(c("Workflow::In Review"), Some(StatusCategory::InProgress));
        assert_eq!(c("status::done"), Some(StatusCategory::Done));
        assert_eq!(c("workflow::ready"), Some(StatusCategory::Todo));
        assert_eq!(
            c("workflow::design"),
            Some(StatusCategory::InProgress),
            "override"
        );
        assert_eq!(
            c("stage::build"),
            Some(StatusCategory::InProgress),
            "prefix override"
        );
        assert_eq!(c("Doing"), Some(StatusCategory::InProgress));
        assert_eq!(c("bug"), None);
        assert_eq!(
            map.status(false, &["bug".into(), "workflow::review".into()]),
            ("workflow::review".to_owned(), StatusCategory::InProgress)
        );
        assert_eq!(
            map.status(true, &["workflow::doing".into()]).1,
            StatusCategory::Done
        );
        assert_eq!(map.status(false, &[]).0, OPEN);
        assert!(StatusMap::new(&[("x".to_owned(), "maybe".to_owned())].into()).is_err());
    }
}
