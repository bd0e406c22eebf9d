//! The AI backlog generator's ground: the backlog a model is asked to return (epics → stories →
//! tasks, as JSON matching a published schema), the rules a generated backlog must pass before it
//! can be applied, and its conversion into a `backlog` proposal of creates. The model round-trip
//! (streaming, repair, refine) builds on this.

pub mod backlog;
pub mod chat_tool;
pub mod diff;
pub mod documents;
pub mod live;
pub mod proposal;
pub mod rules;
pub mod run;
pub mod strict;

pub use backlog::{Backlog, Epic, Story, Task};
pub use rules::{Level, Rules, Violation};
