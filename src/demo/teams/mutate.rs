//! Changes to the world between sync passes, the way the trackers make them: an edit bumps the
//! issue's update time; a deletion makes it vanish (404 from then on); a GitLab move closes the
//! original (with `moved_to_id`) and creates a new issue with a new iid in the target project;
//! a Jira move keeps the issue's id and gives it a new key (the old key still finds it).

use chrono::{DateTime, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::model::{
    self, Change, GitlabIssue, JiraIssue, JiraMove, JiraType, MilestoneOwner, Step, World,
};

/// What [`World::churn`] did, by key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Churn {
    pub changed: Vec<String>,
    pub deleted: Vec<String>,
    /// (old key, new key).
    pub moved: Vec<(String, String)>,
}

impl World {
    fn gitlab_index(&self, key: &str) -> Option<usize> {
        let id = self.gitlab.issue_by_key(key)?.id;
        self.gitlab.issues.iter().position(|i| i.id == id)
    }

    fn jira_index(&self, key: &str) -> Option<usize> {
        self.jira.issues.iter().position(|i| i.key == key)
    }

    /// Edits a GitLab issue at `at` (its update time moves there). False if there is no such
    /// issue.
    pub fn edit_gitlab(
        &mut self,
        key: &str,
        at: DateTime<Utc>,
        edit: impl FnOnce(&mut GitlabIssue),
    ) -> bool {
        let Some(i) = self.gitlab_index(key) else {
            return false;
        };
        let issue = &mut self.gitlab.issues[i];
        edit(issue);
        let last = issue.history.last().map_or(at, |c| c.at);
        issue.updated_at = issue.updated_at.max(at).max(last);
        true
    }

    /// Moves a GitLab issue to another status at `at` (a reopen restores the step it was
    /// closed from, whatever `to` says, as GitLab keeps the label).
    pub fn transition_gitlab(&mut self, key: &str, at: DateTime<Utc>, to: Step) -> bool {
        self.edit_gitlab(key, at, |i| push_change(&mut i.history, at, to))
    }

    /// Deletes a GitLab issue and its links.
    pub fn delete_gitlab(&mut self, key: &str) -> bool {
        let Some(i) = self.gitlab_index(key) else {
            return false;
        };
        let id = self.gitlab.issues.remove(i).id;
        self.gitlab
            .links
            .retain(|l| l.source_issue_id != id && l.target_issue_id != id);
        self.jira.remote_links.retain(|l| l.gitlab_issue_id != id);
        true
    }

    /// Moves a GitLab issue to the project at `to_path`: the original is closed with
    /// `moved_to_id`; the copy gets a new id and the next iid there, keeps labels, assignees,
    /// history and the epic (when the epic's group holds the target), and loses milestone and
    /// iteration that do not reach the target. Returns the new key.
    pub fn move_gitlab(&mut self, key: &str, at: DateTime<Utc>, to_path: &str) -> Option<String> {
        let i = self.gitlab_index(key)?;
        let target = self.gitlab.project_by_ref(to_path)?.clone();
        let reach = self.gitlab.ancestors_of_project(target.id);
        let mut copy = self.gitlab.issues[i].clone();
        if copy.project_id == target.id {
            return None;
        }
        copy.id = self.gitlab.next_issue_id;
        self.gitlab.next_issue_id += 1;
        copy.project_id = target.id;
        copy.iid = self
            .gitlab
            .issues
            .iter()
            .filter(|x| x.project_id == target.id)
            .map(|x| x.iid)
            .max()
            .unwrap_or(0)
            + 1;
        copy.created_at = at;
        copy.updated_at = at;
        copy.moved_to_id = None;
        copy.comments.clear();
        let epic_group = copy
            .epic_id
            .and_then(|e| self.gitlab.epic(e))
            .map(|e| e.group_id);
        if epic_group.is_some_and(|g| !reach.contains(&g)) {
            copy.epic_id = None;
        }
        let iteration_group = copy
            .iteration_id
            .and_then(|x| self.gitlab.iteration(x))
            .map(|x| x.group_id);
        if iteration_group.is_some_and(|g| !reach.contains(&g)) {
            copy.iteration_id = None;
        }
        let milestone_reaches = copy
            .milestone_id
            .and_then(|m| self.gitlab.milestone(m))
            .is_some_and(|m| match m.owner {
                MilestoneOwner::Project(p) => p == target.id,
                MilestoneOwner::Group(g) => reach.contains(&g),
            });
        if !milestone_reaches {
            copy.milestone_id = None;
        }
        let new_key = self.gitlab.key(&copy);
        let original = &mut self.gitlab.issues[i];
        original.moved_to_id = Some(copy.id);
        if model::current(&original.history) != Step::Done {
            push_change(&mut original.history, at, Step::Done);
        }
        original.updated_at = at;
        self.gitlab.issues.push(copy);
        Some(new_key)
    }

    pub fn edit_jira(
        &mut self,
        key: &str,
        at: DateTime<Utc>,
        edit: impl FnOnce(&mut JiraIssue),
    ) -> bool {
        let Some(i) = self.jira_index(key) else {
            return false;
        };
        let issue = &mut self.jira.issues[i];
        edit(issue);
        let last = issue.history.last().map_or(at, |c| c.at);
        issue.updated = issue.updated.max(at).max(last);
        true
    }

    pub fn transition_jira(&mut self, key: &str, at: DateTime<Utc>, to: Step) -> bool {
        let review = self
            .jira_index(key)
            .map(|i| self.jira.issues[i].project)
            .is_some_and(|p| {
                self.jira.projects[p]
                    .statuses
                    .iter()
                    .any(|s| s.step == Step::Review)
            });
        let to = if to == Step::Review && !review {
            Step::Doing
        } else {
            to
        };
        self.edit_jira(key, at, |i| push_change(&mut i.history, at, to))
    }

    /// Deletes a Jira issue with its sub-tasks (Jira deletes them along) and their links.
    pub fn delete_jira(&mut self, key: &str) -> bool {
        let Some(i) = self.jira_index(key) else {
            return false;
        };
        let id = self.jira.issues[i].id;
        let gone: Vec<u64> = self
            .jira
            .issues
            .iter()
            .filter(|x| {
                x.id == id || (x.parent_id == Some(id) && x.issue_type == JiraType::Subtask)
            })
            .map(|x| x.id)
            .collect();
        self.jira.issues.retain(|x| !gone.contains(&x.id));
        for x in &mut self.jira.issues {
            if x.parent_id.is_some_and(|p| gone.contains(&p)) {
                x.parent_id = None;
            }
        }
        self.jira
            .links
            .retain(|l| !gone.contains(&l.outward_issue_id) && !gone.contains(&l.inward_issue_id));
        self.jira
            .remote_links
            .retain(|l| !gone.contains(&l.jira_issue_id));
        true
    }

    /// Moves a Jira issue (not a sub-task, not one with sub-tasks) to another project: same
    /// id, the next key there; a status the target's workflow lacks maps to "in progress"; a
    /// parent in another project is dropped. Returns the new key.
    pub fn move_jira(&mut self, key: &str, at: DateTime<Utc>, to_project: &str) -> Option<String> {
        let i = self.jira_index(key)?;
        let to = self
            .jira
            .projects
            .iter()
            .position(|p| p.key == to_project)?;
        let id = self.jira.issues[i].id;
        let has_subtasks = self.jira.issues.iter().any(|x| x.parent_id == Some(id));
        let from = self.jira.issues[i].project;
        if from == to || has_subtasks || self.jira.issues[i].issue_type == JiraType::Subtask {
            return None;
        }
        self.jira.projects[to].last_number += 1;
        let new_key = format!(
            "{}-{}",
            self.jira.projects[to].key, self.jira.projects[to].last_number
        );
        let review = self.jira.projects[to]
            .statuses
            .iter()
            .any(|s| s.step == Step::Review);
        let parent_project = self.jira.issues[i]
            .parent_id
            .and_then(|p| self.jira.issue(p))
            .map(|p| p.project);
        let issue = &mut self.jira.issues[i];
        issue.moves.push(JiraMove {
            at,
            from_project: from,
            from_key: issue.key.clone(),
        });
        issue.key.clone_from(&new_key);
        issue.project = to;
        if parent_project.is_some_and(|p| p != to) {
            issue.parent_id = None;
        }
        if model::current(&issue.history) == Step::Review && !review {
            push_change(&mut issue.history, at, Step::Doing);
        }
        issue.updated = issue.updated.max(at);
        Some(new_key)
    }

    /// A deterministic round of changes for a second sync pass, at `at`: in each tracker a few
    /// edits (title, status, assignee, points), deletions of open leaf issues and moves to
    /// another project.
    pub fn churn(&mut self, at: DateTime<Utc>, seed: u64) -> Churn {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut out = Churn::default();
        let open_gitlab: Vec<String> = self
            .gitlab
            .issues
            .iter()
            .filter(|i| model::current(&i.history) != Step::Done && i.moved_to_id.is_none())
            .map(|i| self.gitlab.key(i))
            .collect();
        let mut picks = pick(&mut rng, &open_gitlab, 9).into_iter();
        for (n, key) in picks.by_ref().take(5).enumerate() {
            let ok = match n % 3 {
                0 => self.edit_gitlab(&key, at, |i| i.title.push_str(" (edited)")),
                1 => self.transition_gitlab(&key, at, Step::Done),
                _ => self.edit_gitlab(&key, at, |i| i.weight = Some(i.weight.unwrap_or(0) + 1)),
            };
            if ok {
                out.changed.push(key);
            }
        }
        for key in picks.by_ref().take(2) {
            if self.delete_gitlab(&key) {
                out.deleted.push(key);
            }
        }
        let projects: Vec<String> = self
            .gitlab
            .projects
            .iter()
            .map(|p| p.full_path.clone())
            .collect();
        for key in picks {
            let to = &projects[rng.random_range(0..projects.len())];
            if let Some(new) = self.move_gitlab(&key, at, to) {
                out.moved.push((key, new));
            }
        }
        let open_jira: Vec<String> = self
            .jira
            .issues
            .iter()
            .filter(|i| {
                model::current(&i.history) != Step::Done
                    && i.issue_type != JiraType::Epic
                    && i.issue_type != JiraType::Subtask
                    && !self.jira.issues.iter().any(|x| x.parent_id == Some(i.id))
            })
            .map(|i| i.key.clone())
            .collect();
        let mut picks = pick(&mut rng, &open_jira, 9).into_iter();
        for (n, key) in picks.by_ref().take(5).enumerate() {
            let ok = match n % 3 {
                0 => self.edit_jira(&key, at, |i| i.summary.push_str(" (edited)")),
                1 => self.transition_jira(&key, at, Step::Done),
                _ => self.edit_jira(&key, at, |i| i.points = Some(i.points.unwrap_or(0.0) + 1.0)),
            };
            if ok {
                out.changed.push(key);
            }
        }
        for key in picks.by_ref().take(2) {
            if self.delete_jira(&key) {
                out.deleted.push(key);
            }
        }
        for key in picks {
            let from = self.jira_index(&key).map(|i| self.jira.issues[i].project);
            let to = if from == Some(0) { "MOB" } else { "BENCH" };
            if let Some(new) = self.move_jira(&key, at, to) {
                out.moved.push((key, new));
            }
        }
        out
    }
}

impl model::Gitlab {
    /// Groups whose epics, iterations and milestones reach a project: its group and ancestors.
    pub fn ancestors_of_project(&self, project: u64) -> Vec<u64> {
        let mut out = Vec::new();
        let mut group = self.project(project).map(|p| p.group_id);
        while let Some(g) = group {
            out.push(g);
            group = self.group(g).and_then(|x| x.parent_id);
        }
        out
    }
}

/// Appends a status change; a reopen restores the step the issue was closed from. Two changes
/// asked for at the same instant are a second apart (the trackers keep them apart too).
fn push_change(history: &mut Vec<Change>, at: DateTime<Utc>, to: Step) {
    let at = match history.last() {
        Some(c) if c.at >= at => c.at + chrono::Duration::seconds(1),
        _ => at,
    };
    let now = model::current(history);
    let to = if now == Step::Done && to != Step::Done {
        let n = history.len();
        if n >= 2 {
            history[n - 2].to
        } else {
            Step::Todo
        }
    } else {
        to
    };
    if to != now {
        history.push(Change { at, to });
    }
}

/// `n` distinct items, in a fixed order for the seed.
fn pick(rng: &mut ChaCha8Rng, items: &[String], n: usize) -> Vec<String> {
    let mut idx: Vec<usize> = (0..items.len()).collect();
    let mut out = Vec::new();
    while out.len() < n && !idx.is_empty() {
        let k = rng.random_range(0..idx.len());
        out.push(items[idx.swap_remove(k)].clone());
    }
    out
}
