//! Pure types and logic, no I/O: the normalised model both trackers map into, and the query
//! language used by the backlog filter and `export --query`.

pub mod duration;
pub mod issue;
pub mod markdown;
pub mod metrics;
pub mod overrides;
pub mod proposal;
pub mod query;
pub mod records;
pub mod text;
pub mod time;

pub use issue::{IssueType, Source, StatusCategory};
