//! The generated backlog, as the model returns it, and as proposal changes.

use serde::{Deserialize, Serialize};

use crate::domain::proposal::Change;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Backlog {
    /// The project every item goes to (key or path).
    pub project: String,
    /// What the model needs to know before it can plan (then `epics` is empty).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub questions: Vec<String>,
    pub epics: Vec<Epic>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Epic {
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub stories: Vec<Story>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Story {
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub acceptance_criteria: Vec<String>,
    pub points: Option<f64>,
    #[serde(default)]
    pub labels: Vec<String>,
    #[serde(default)]
    pub tasks: Vec<Task>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Task {
    pub title: String,
    #[serde(default)]
    pub description: String,
    pub points: Option<f64>,
}

/// A model's one-line text as it may be kept: control and escape sequences dropped.
fn line(text: &str) -> String {
    crate::domain::text::sanitize(text, false)
}

/// A model's multi-line text as it may be kept.
fn text(text: &str) -> String {
    crate::domain::text::sanitize(text, true)
}

/// The JSON schema the model is asked to follow (and its output is checked against).
pub const SCHEMA: &str = include_str!("../../assets/prompts/generator/backlog.schema.json");

impl Backlog {
    /// Every item as a create, parents before children (temp keys `new-1`, `new-2`, …), stories
    /// optionally into `sprint`.
    pub fn changes(&self, sprint: Option<&str>) -> Vec<Change> {
        let mut out = Vec::new();
        let mut n = 0;
        let mut next = || {
            n += 1;
            format!("new-{n}")
        };
        for epic in &self.epics {
            let epic_key = next();
            out.push(Change::Create {
                temp_key: epic_key.clone(),
                project: self.project.clone(),
                issue_type: "epic".to_owned(),
                title: line(&epic.title),
                description: text(&epic.description),
                acceptance_criteria: Vec::new(),
                points: None,
                labels: Vec::new(),
                sprint: None,
                parent: None,
            });
            for story in &epic.stories {
                let story_key = next();
                out.push(Change::Create {
                    temp_key: story_key.clone(),
                    project: self.project.clone(),
                    issue_type: "story".to_owned(),
                    title: line(&story.title),
                    description: text(&story.description),
                    acceptance_criteria: story
                        .acceptance_criteria
                        .iter()
                        .map(|c| line(c))
                        .collect(),
                    points: story.points,
                    labels: story.labels.iter().map(|l| line(l)).collect(),
                    sprint: sprint.map(str::to_owned),
                    parent: Some(epic_key.clone()),
                });
                for task in &story.tasks {
                    out.push(Change::Create {
                        temp_key: next(),
                        project: self.project.clone(),
                        issue_type: "task".to_owned(),
                        title: line(&task.title),
                        description: text(&task.description),
                        acceptance_criteria: Vec::new(),
                        points: task.points,
                        labels: Vec::new(),
                        sprint: None,
                        parent: Some(story_key.clone()),
                    });
                }
            }
        }
        out
    }
}

impl Backlog {
    /// The backlog a proposal's creates describe (epics, their stories, the stories' tasks, by
    /// parent links); other changes are not part of it.
    pub fn from_changes(changes: &[Change]) -> Self {
        let mut backlog = Self::default();
        // Temp key → (epic index, story index) of the items placed so far.
        let mut epics: Vec<String> = Vec::new();
        let mut stories: Vec<(String, usize, usize)> = Vec::new();
        for change in changes {
            let Change::Create {
                temp_key,
                project,
                issue_type,
                title,
                description,
                acceptance_criteria,
                points,
                labels,
                parent,
                ..
            } = change
            else {
                continue;
            };
            project.clone_into(&mut backlog.project);
            let parent = parent.as_deref();
            match issue_type.as_str() {
                "epic" => {
                    epics.push(temp_key.clone());
                    backlog.epics.push(Epic {
                        title: title.clone(),
                        description: description.clone(),
                        stories: Vec::new(),
                    });
                }
                "task" => {
                    if let Some((_, e, s)) =
                        stories.iter().find(|(k, ..)| Some(k.as_str()) == parent)
                    {
                        backlog.epics[*e].stories[*s].tasks.push(Task {
                            title: title.clone(),
                            description: description.clone(),
                            points: *points,
                        });
                    }
                }
                _ => {
                    let Some(e) = epics.iter().position(|k| Some(k.as_str()) == parent) else {
                        continue;
                    };
                    let stories_of = &mut backlog.epics[e].stories;
                    stories.push((temp_key.clone(), e, stories_of.len()));
                    stories_of.push(Story {
                        title: title.clone(),
                        description: description.clone(),
                        acceptance_criteria: acceptance_criteria.clone(),
                        points: *points,
                        labels: labels.clone(),
                        tasks: Vec::new(),
                    });
                }
            }
        }
        backlog
    }

    /// Stories, with their place: `(epic, story)`.
    pub fn stories(&self) -> impl Iterator<Item = (usize, usize, &Story)> {
        self.epics.iter().enumerate().flat_map(|(e, epic)| {
            epic.stories
                .iter()
                .enumerate()
                .map(move |(s, st)| (e, s, st))
        })
    }
}
