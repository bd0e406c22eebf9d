//! Which custom fields hold story points, the sprint, the epic link and the start date: ids
//! differ per site, so they are found by schema or name in `/rest/api/N/field`, and
//! `[[jira]] fields` overrides any of them.
//!
//! Story points differ per project too: a company-managed project estimates with "Story
//! Points" (a plain number field), a team-managed one with "Story point estimate"
//! (`jsw-story-points`); both exist on a site that has both kinds. The board configuration says
//! which one its project uses (`estimation.field.fieldId`, rule JR-AG-4: "The type of estimation
//! and field used for estimation is determined by the board configuration"), so points are read
//! and written through the project's field.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Deserialize)]
pub struct FieldDef {
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub schema: Option<Schema>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Schema {
    #[serde(default)]
    pub custom: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldIds {
    pub story_points: Option<String>,
    pub sprint: Option<String>,
    pub epic_link: Option<String>,
    pub start_date: Option<String>,
    /// Status id → category from the configured boards' columns (first column to do, last
    /// done, the ones between in progress): the team's board decides over Jira's category.
    #[serde(default)]
    pub status_columns: BTreeMap<String, crate::domain::StatusCategory>,
    /// Every story-point field of the site, the preferred first (read where a project's own is
    /// not known).
    #[serde(default)]
    pub points_fields: Vec<String>,
    /// Project key → the field its board estimates with.
    #[serde(default)]
    pub points_by_project: BTreeMap<String, String>,
    /// What this build's discovery finds: remembered ids of an older build are found again.
    #[serde(default)]
    pub version: u32,
}

/// Raised when discovery finds more than before, so remembered field ids are refreshed.
pub const DISCOVERY_VERSION: u32 = 2;

/// Names, in order of preference, of the story-point field: team-managed projects use the
/// first, company-managed ones the second. "Original story points" is not it.
const POINTS: [&str; 3] = ["Story point estimate", "Story Points", "Story points"];

pub fn discover(fields: &[FieldDef], overrides: &BTreeMap<String, String>) -> FieldIds {
    let by_custom = |kind: &str| {
        fields
            .iter()
            .find(|f| f.schema.as_ref().and_then(|s| s.custom.as_deref()) == Some(kind))
            .map(|f| f.id.clone())
    };
    let by_name = |names: &[&str]| {
        names.iter().find_map(|n| {
            fields
                .iter()
                .find(|f| f.name.eq_ignore_ascii_case(n))
                .map(|f| f.id.clone())
        })
    };
    let pick = |key: &str, found: Option<String>| overrides.get(key).cloned().or(found);
    let points_fields: Vec<String> = match overrides.get("story_points") {
        Some(id) => vec![id.clone()],
        None => POINTS
            .iter()
            .filter_map(|n| by_name(&[n]))
            .fold(Vec::new(), |mut all, id| {
                if !all.contains(&id) {
                    all.push(id);
                }
                all
            }),
    };
    FieldIds {
        story_points: pick("story_points", by_name(&POINTS)),
        points_fields,
        points_by_project: BTreeMap::new(),
        version: DISCOVERY_VERSION,
        sprint: pick(
            "sprint",
            by_custom("com.pyxis.greenhopper.jira:gh-sprint").or_else(|| by_name(&["Sprint"])),
        ),
        epic_link: pick(
            "epic",
            by_custom("com.pyxis.greenhopper.jira:gh-epic-link")
                .or_else(|| by_name(&["Epic Link"])),
        ),
        start_date: pick("start_date", by_name(&["Start date"])),
        status_columns: BTreeMap::new(),
    }
}

/// A board configuration's project key and estimation field, when it estimates with a field.
pub fn board_estimation(config: &serde_json::Value) -> Option<(String, String)> {
    use serde_json::Value;
    if config.pointer("/estimation/type").and_then(Value::as_str) != Some("field") {
        return None;
    }
    let field = config
        .pointer("/estimation/field/fieldId")
        .and_then(Value::as_str)
        .filter(|f| !f.is_empty())?;
    let project = config
        .pointer("/location/key")
        .or_else(|| config.pointer("/location/projectKey"))
        .and_then(Value::as_str)?;
    Some((project.to_owned(), field.to_owned()))
}

/// A board configuration's columns as status id → category.
pub fn board_columns(
    config: &serde_json::Value,
) -> BTreeMap<String, crate::domain::StatusCategory> {
    use crate::domain::StatusCategory;
    let columns = config
        .pointer("/columnConfig/columns")
        .and_then(serde_json::Value::as_array)
        .cloned()
        .unwrap_or_default();
    let last = columns.len().saturating_sub(1);
    let mut out = BTreeMap::new();
    for (i, column) in columns.iter().enumerate() {
        let category = match i {
            0 => StatusCategory::Todo,
            i if i == last => StatusCategory::Done,
            _ => StatusCategory::InProgress,
        };
        for status in column
            .get("statuses")
            .and_then(serde_json::Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(id) = status.get("id").and_then(serde_json::Value::as_str) {
                out.insert(id.to_owned(), category);
            }
        }
    }
    out
}

impl FieldIds {
    /// The field project `project_key`'s points are in: its board's, else the preferred one.
    /// (With `[[jira]] fields.story_points` set, boards are not asked: the override is it.)
    pub fn points_field(&self, project_key: &str) -> Option<&str> {
        self.points_by_project
            .get(project_key)
            .or(self.story_points.as_ref())
            .map(String::as_str)
    }

    /// An issue's points: from its project's field when known, else the first points field
    /// that has a number.
    pub fn points_of(&self, project_key: &str, fields: &serde_json::Value) -> Option<f64> {
        let number = |id: &str| fields.get(id).and_then(serde_json::Value::as_f64);
        if let Some(id) = self.points_by_project.get(project_key) {
            return number(id);
        }
        self.points_fields
            .iter()
            .chain(self.story_points.iter())
            .find_map(|id| number(id))
    }

    /// The fields a search asks for (the endpoint returns ids only unless told).
    pub fn wanted(&self) -> Vec<String> {
        let mut out: Vec<String> = [
            "summary",
            "description",
            "status",
            "issuetype",
            "priority",
            "assignee",
            "reporter",
            "labels",
            "duedate",
            "created",
            "updated",
            "resolutiondate",
            "parent",
            "project",
            "issuelinks",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        for id in [
            &self.story_points,
            &self.sprint,
            &self.epic_link,
            &self.start_date,
        ]
        .into_iter()
        .flatten()
        .chain(&self.points_fields)
        .chain(self.points_by_project.values())
        {
            if !out.contains(id) {
                out.push(id.clone());
            }
        }
        out
    }
}
