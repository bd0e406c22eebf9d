//! The team-shaped world (`sprintdeck demo --shape teams`, and the tracker simulator's data):
//! a GitLab group with a subgroup, five projects, group epics, iteration cadences and milestones,
//! and a Jira Cloud site with a company-managed and a team-managed project, two boards and their
//! sprints; the same people in both trackers under different names; links within and across
//! projects and trackers; hostile text. Deterministic from the seed, sized per tracker, dates
//! relative to the injected clock. [`World`] is plain data shaped like the trackers hold it;
//! [`records`] says what a correct sync stores for it; [`config`] writes the config that points
//! sprintdeck at servers holding it; [`mutate`] changes it the way the trackers do (edits,
//! deletions, moves); [`lookup`] derives what each tracker shows of it (keys, resource events,
//! changelogs).
//!
//! ```text
//! let spec = WorldSpec::new(1500, 42, clock.now());          // half GitLab, half Jira
//! let spec = spec.gitlab_issues(0).jira_issues(50_000);      // or sized per tracker
//! let world = World::generate(&spec);                         // deterministic for the spec
//! let stored = records::jira(&world, &Target { gitlab_url, jira_url, now, closed_window_days: 90 });
//! let toml = world.config_toml(&ConfigOptions::both(gitlab_url, jira_url));
//! ```

mod changelog;
pub mod config;
mod gen_gitlab;
mod gen_jira;
pub mod hostile;
mod life;
pub mod lookup;
pub mod model;
pub mod mutate;
mod people;
pub mod records;
mod text;
mod write;

use chrono::{DateTime, NaiveTime, Timelike, Utc};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

pub use model::World;
pub use write::{ME, ensure, write};

/// `source_name` of the GitLab source in the world's config (and of the demo's rows).
pub const GITLAB_SOURCE: &str = "acme-gitlab";
/// `source_name` of the Jira source.
pub const JIRA_SOURCE: &str = "acme-jira";
/// Where the demo says the trackers are (the simulator serves the world from its own address).
pub const GITLAB_URL: &str = "https://gitlab.acme.example";
pub const JIRA_URL: &str = "https://acme.atlassian.net";
/// The demo's default size: 1,500 issues, half in each tracker.
pub const DEFAULT_ISSUES: usize = 1500;
/// Days of closed history a first sync fetches (`[sync] closed_window_days`' default).
pub const CLOSED_WINDOW_DAYS: u32 = 90;

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorldSpec {
    pub gitlab_issues: usize,
    pub jira_issues: usize,
    pub seed: u64,
    /// The world's "now".
    pub anchor: DateTime<Utc>,
}

impl WorldSpec {
    /// `issues` in all, half in each tracker, anchored at 09:00 UTC of the clock's day (as the
    /// demo is), so regenerating on the same day gives the same world.
    pub fn new(issues: usize, seed: u64, now: DateTime<Utc>) -> Self {
        let nine = NaiveTime::from_hms_opt(9, 0, 0).unwrap_or(NaiveTime::MIN);
        let anchor = now.date_naive().and_time(nine).and_utc().min(now);
        let anchor = anchor.with_nanosecond(0).unwrap_or(anchor);
        Self {
            gitlab_issues: issues / 2,
            jira_issues: issues - issues / 2,
            seed,
            anchor,
        }
    }

    #[must_use]
    pub fn gitlab_issues(mut self, n: usize) -> Self {
        self.gitlab_issues = n;
        self
    }

    #[must_use]
    pub fn jira_issues(mut self, n: usize) -> Self {
        self.jira_issues = n;
        self
    }

    pub fn fingerprint(&self) -> String {
        format!(
            "shape=teams gitlab={} jira={} seed={} anchor={}",
            self.gitlab_issues,
            self.jira_issues,
            self.seed,
            crate::domain::time::to_db(self.anchor)
        )
    }
}

impl World {
    /// The world for `spec`. Each tracker has its own random stream, so changing one tracker's
    /// size leaves the other's issues as they were.
    pub fn generate(spec: &WorldSpec) -> Self {
        let people = people::roster();
        let mut gitlab_rng = ChaCha8Rng::seed_from_u64(spec.seed);
        let mut jira_rng = ChaCha8Rng::seed_from_u64(spec.seed ^ 0x6a69_7261);
        let gitlab = gen_gitlab::generate(gen_gitlab::Inputs {
            rng: &mut gitlab_rng,
            anchor: spec.anchor,
            issues: spec.gitlab_issues,
            people: &people,
        });
        let ids: Vec<u64> = gitlab.issues.iter().map(|i| i.id).collect();
        let jira = gen_jira::generate(gen_jira::Inputs {
            rng: &mut jira_rng,
            anchor: spec.anchor,
            issues: spec.jira_issues,
            people: &people,
            gitlab_issue_ids: &ids,
        });
        Self {
            anchor: spec.anchor,
            seed: spec.seed,
            people,
            gitlab,
            jira,
        }
    }
}

#[cfg(test)]
mod tests;
