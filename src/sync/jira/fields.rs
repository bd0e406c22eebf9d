//! Which custom fields hold story points, the sprint, the epic link and the start date: ids
//! differ per site, so they are found by schema or name in `/rest/api/N/field`, and
//! `[[jira]] fields` overrides any of them.

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
}

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
    FieldIds {
        story_points: pick("story_points", by_name(&POINTS)),
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
        out.extend(
            [
                &self.story_points,
                &self.sprint,
                &self.epic_link,
                &self.start_date,
            ]
            .into_iter()
            .flatten()
            .cloned(),
        );
        out
    }
}
