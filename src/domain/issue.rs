//! Enumerations shared by the store, the trackers and the UI. Each has one canonical
//! lower-case spelling, which is also what the database stores.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = UnknownValue;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let lower = s.trim().to_ascii_lowercase();
                match lower.as_str() {
                    $($text => Ok(Self::$variant),)+
                    _ => Err(UnknownValue {
                        kind: stringify!($name),
                        value: s.to_owned(),
                        expected: &[$($text),+],
                    }),
                }
            }
        }
    };
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} {value:?}; expected one of: {}", expected.join(", "))]
pub struct UnknownValue {
    pub kind: &'static str,
    pub value: String,
    pub expected: &'static [&'static str],
}

text_enum!(
    /// Which tracker a record came from.
    Source { Gitlab => "gitlab", Jira => "jira" }
);

text_enum!(
    IssueType { Epic => "epic", Story => "story", Task => "task", Bug => "bug" }
);

text_enum!(
    /// The tracker-independent meaning of a status; the remote status name is kept beside it.
    StatusCategory { Todo => "todo", InProgress => "in_progress", Done => "done" }
);

text_enum!(
    SprintState { Future => "future", Active => "active", Closed => "closed" }
);

text_enum!(
    /// How a status change became known to us.
    EventSource { Webhook => "webhook", Poll => "poll", Manual => "manual", Demo => "demo" }
);

text_enum!(
    LinkKind { Blocks => "blocks", Relates => "relates" }
);

impl StatusCategory {
    /// Short label used in tables; also the query-language spelling (`status:doing`).
    pub fn short(self) -> &'static str {
        match self {
            Self::Todo => "todo",
            Self::InProgress => "doing",
            Self::Done => "done",
        }
    }

    /// Accepts the category names users type: `todo`, `doing`, `in-progress`, `done`.
    pub fn from_user(text: &str) -> Option<Self> {
        match text.to_ascii_lowercase().as_str() {
            "todo" | "to-do" | "open" => Some(Self::Todo),
            "doing" | "in_progress" | "in-progress" | "inprogress" | "wip" => {
                Some(Self::InProgress)
            }
            "done" | "closed" => Some(Self::Done),
            _ => None,
        }
    }
}

/// Canonical priority names and their rank (1 is most urgent), so sorting by priority works
/// across trackers with different spellings.
pub const PRIORITIES: &[(&str, i64)] = &[
    ("Highest", 1),
    ("High", 2),
    ("Medium", 3),
    ("Low", 4),
    ("Lowest", 5),
];

pub fn priority_rank(name: &str) -> Option<i64> {
    let lower = name.to_ascii_lowercase();
    let alias = match lower.as_str() {
        "blocker" | "critical" | "urgent" | "p1" => "highest",
        "major" | "p2" => "high",
        "normal" | "p3" => "medium",
        "minor" | "p4" => "low",
        "trivial" | "p5" => "lowest",
        other => other,
    };
    PRIORITIES
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(alias))
        .map(|&(_, rank)| rank)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects() {
        for t in IssueType::ALL {
            assert_eq!(t.as_str().parse::<IssueType>(), Ok(*t));
        }
        let err = "saga".parse::<IssueType>().expect_err("not a type");
        assert_eq!(
            err.to_string(),
            "unknown IssueType \"saga\"; expected one of: epic, story, task, bug"
        );
    }

    #[test]
    fn user_category_spellings() {
        assert_eq!(
            StatusCategory::from_user("Doing"),
            Some(StatusCategory::InProgress)
        );
        assert_eq!(
            StatusCategory::from_user("in-progress"),
            Some(StatusCategory::InProgress)
        );
        assert_eq!(StatusCategory::from_user("review"), None);
    }

    #[test]
    fn priority_aliases() {
        assert_eq!(priority_rank("Critical"), Some(1));
        assert_eq!(priority_rank("medium"), Some(3));
        assert_eq!(priority_rank("whenever"), None);
    }
}
