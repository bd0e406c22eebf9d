//! The dashboard's state: the report shown, the tile selected, the sprint and range chosen.

use crate::domain::text::{Safe, SafeText};

/// The dashboard: the same report `sprintdeck report` prints, and the selected tile.
#[derive(Debug, Clone, Default)]
pub struct Dashboard {
    pub generation: u64,
    pub report: Option<Safe<Box<crate::report::Report>>>,
    pub error: Option<SafeText>,
    pub tile: usize,
    /// The burndown chart fills the pane.
    pub full_burndown: bool,
    /// A sprint chosen with `[`/`]`; `None` is the active one.
    pub sprint: Option<String>,
    /// Index into [`RANGES`]: the completion range of "completed" and the cycle/lead times.
    pub range: usize,
    /// A load is under way (the report shown, if any, is older).
    pub refreshing: bool,
    /// The report shown is the stored snapshot of an earlier run.
    pub from_snapshot: bool,
    /// Issue-to-prompt figures, when loaded.
    pub prompt_stats: Option<Safe<crate::store::prompts::Stats>>,
}

/// Completion ranges `r`/`R` step through: label, and days back from now (`None`: from the
/// sprint's start, or 14 days without a sprint).
pub const RANGES: [(&str, Option<u32>); 5] = [
    ("the sprint", None),
    ("14 days", Some(14)),
    ("30 days", Some(30)),
    ("90 days", Some(90)),
    ("180 days", Some(180)),
];

/// The tiles in display order: label and the report count behind it.
pub const TILES: [&str; 5] = [
    "in progress",
    "completed",
    "overdue",
    "not started",
    "blocked",
];

/// What the dashboard cursor is on: the tiles first, then the people, then the aging list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DashboardItem {
    Tile(usize),
    Person(String),
    Aging(String),
}

impl Dashboard {
    /// Everything Enter can open, in cursor order.
    pub fn items(&self) -> Vec<DashboardItem> {
        let mut items: Vec<DashboardItem> = (0..TILES.len()).map(DashboardItem::Tile).collect();
        if let Some(report) = &self.report {
            items.extend(
                report
                    .people
                    .iter()
                    .map(|p| DashboardItem::Person(p.person.clone())),
            );
            items.extend(
                report
                    .aging_wip
                    .iter()
                    .map(|a| DashboardItem::Aging(a.key.clone())),
            );
        }
        items
    }

    pub fn tile_keys(&self, tile: usize) -> Option<&[String]> {
        let c = &self.report.as_ref()?.counts;
        let count = [
            &c.in_progress,
            &c.completed,
            &c.overdue,
            &c.not_started,
            &c.blocked,
        ]
        .get(tile)
        .copied()?;
        Some(&count.keys)
    }
}
