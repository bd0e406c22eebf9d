//! Proposals in the database: the queue (kept, listed, expired, rejected, edited) and the apply
//! engine (all or nothing, with expected values checked, an audit row and the outbox rows).

pub mod apply;
pub(crate) mod changes;
pub(crate) mod new_issues;
pub mod queue;

pub use apply::{Applied, apply, apply_or_mark, create_and_apply, undo_last};
pub use changes::field_value;
pub(crate) use queue::audit;
pub use queue::{
    AuditRow, NewProposal, Proposal, audit_log, create, edit, expire, get, list, raised, reject,
    revise, supersede, supersede_plans,
};
