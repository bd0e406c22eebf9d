//! What a model's JSON must be, checked with typed serde instead of a JSON-schema engine: the
//! generated backlog (`assets/prompts/generator/backlog.schema.json`) and the chat tool's
//! arguments (`assets/prompts/chat/propose_changes.schema.json`). The schema files are still what
//! the model is shown; these types say the same thing (`tests/it/generator.rs` holds both to the
//! same verdicts). Unknown keys, missing ones and wrong types stop at the first, with its path;
//! the limits on values (empty titles, negative points, …) are all reported at once.

use serde::Deserialize;
use serde::de::DeserializeOwned;

/// `text` as `T`, or what is wrong at which path: `invalid type: string "3", expected f64 at
/// epics[0].stories[1].points`.
pub fn parse<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    let de = &mut serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner().to_string();
        // serde_json adds where in the text; the path says where in the document.
        let message = inner
            .rsplit_once(" at line ")
            .map_or(inner.as_str(), |(m, _)| m);
        if path == "." {
            message.to_owned()
        } else {
            format!("{message} at {path}")
        }
    })
}

/// A field that must be present but may be `null` (`"points": null`).
fn nullable<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d)
}

/// Problems with values, each with its path.
#[derive(Default)]
pub struct Problems(pub Vec<String>);

impl Problems {
    pub fn non_empty(&mut self, at: &str, text: &str) {
        if text.is_empty() {
            self.0.push(format!("must not be empty at {at}"));
        }
    }

    pub fn not_negative(&mut self, at: &str, n: Option<f64>) {
        if n.is_some_and(|n| n < 0.0) {
            self.0.push(format!("must be 0 or more at {at}"));
        }
    }

    pub fn push(&mut self, problem: String) {
        self.0.push(problem);
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Backlog {
    project: String,
    #[serde(default)]
    questions: Vec<String>,
    epics: Vec<Epic>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Epic {
    title: String,
    #[serde(default)]
    description: String,
    stories: Vec<Story>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Story {
    title: String,
    #[serde(default)]
    description: String,
    acceptance_criteria: Vec<String>,
    #[serde(deserialize_with = "nullable")]
    points: Option<f64>,
    #[serde(default)]
    labels: Vec<String>,
    #[serde(default)]
    tasks: Vec<Task>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Task {
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    points: Option<f64>,
}

/// `text` as a generated backlog, or what is wrong with it: every message, with where.
pub fn backlog(text: &str) -> Result<super::Backlog, Vec<String>> {
    let backlog: Backlog = parse(text).map_err(|e| vec![e])?;
    let mut p = Problems::default();
    p.non_empty("project", &backlog.project);
    for (q, question) in backlog.questions.iter().enumerate() {
        p.non_empty(&format!("questions[{q}]"), question);
    }
    for (e, epic) in backlog.epics.iter().enumerate() {
        let at = format!("epics[{e}]");
        p.non_empty(&format!("{at}.title"), &epic.title);
        for (s, story) in epic.stories.iter().enumerate() {
            let at = format!("{at}.stories[{s}]");
            p.non_empty(&format!("{at}.title"), &story.title);
            p.not_negative(&format!("{at}.points"), story.points);
            for (t, task) in story.tasks.iter().enumerate() {
                let at = format!("{at}.tasks[{t}]");
                p.non_empty(&format!("{at}.title"), &task.title);
                p.not_negative(&format!("{at}.points"), task.points);
            }
        }
    }
    if !p.0.is_empty() {
        return Err(p.0);
    }
    Ok(super::Backlog {
        project: backlog.project,
        questions: backlog.questions,
        epics: backlog.epics.into_iter().map(Epic::into_epic).collect(),
    })
}

impl Epic {
    fn into_epic(self) -> super::Epic {
        super::Epic {
            title: self.title,
            description: self.description,
            stories: self.stories.into_iter().map(Story::into_story).collect(),
        }
    }
}

impl Story {
    fn into_story(self) -> super::Story {
        super::Story {
            title: self.title,
            description: self.description,
            acceptance_criteria: self.acceptance_criteria,
            points: self.points,
            labels: self.labels,
            tasks: self
                .tasks
                .into_iter()
                .map(|t| super::Task {
                    title: t.title,
                    description: t.description,
                    points: t.points,
                })
                .collect(),
        }
    }
}

/// [`backlog`]'s problems only (none: it is one).
pub fn backlog_problems(text: &str) -> Vec<String> {
    backlog(text).err().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_nullable_points_must_be_there() {
        let missing = r#"{"project":"OPS","epics":[{"title":"E","stories":[{"title":"S","acceptance_criteria":[]}]}]}"#;
        assert_eq!(
            backlog_problems(missing),
            ["missing field `points` at epics[0].stories[0]"]
        );
        let null = missing.replace(
            "\"acceptance_criteria\":[]",
            "\"acceptance_criteria\":[],\"points\":null",
        );
        assert!(
            backlog_problems(&null).is_empty(),
            "{:?}",
            backlog_problems(&null)
        );
    }

    #[test]
    fn types_unknown_keys_and_limits_are_named_with_their_path() {
        let wrong = r#"{"project":"OPS","epics":[{"title":"E","stories":[{"title":"S","acceptance_criteria":[],"points":"3"}]}]}"#;
        assert_eq!(
            backlog_problems(wrong),
            ["invalid type: string \"3\", expected f64 at epics[0].stories[0].points"]
        );
        let extra = r#"{"project":"OPS","epics":[],"extra":1}"#;
        assert!(backlog_problems(extra)[0].starts_with("unknown field `extra`"));
        let limits = r#"{"project":"","epics":[{"title":"","stories":[{"title":"S","acceptance_criteria":[],"points":-1,"tasks":[{"title":"","points":-2}]}]}]}"#;
        assert_eq!(
            backlog_problems(limits),
            [
                "must not be empty at project",
                "must not be empty at epics[0].title",
                "must be 0 or more at epics[0].stories[0].points",
                "must not be empty at epics[0].stories[0].tasks[0].title",
                "must be 0 or more at epics[0].stories[0].tasks[0].points",
            ]
        );
    }
}
