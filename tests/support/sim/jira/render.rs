//! Jira objects as REST v3 shows them: issues (only the fields asked for, the custom fields only
//! where the project's context has them), users with Cloud's privacy rules, ADF descriptions and
//! comments, changelog entries, sprints. Shapes follow the captured 2025 Cloud issue
//! (`tests/fixtures/jira/issue-cloud-2025-adf-sprint-timetracking.json`) and the official
//! examples copied beside it.

use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};
use sprintdeck::demo::teams::lookup::{
    self, History, SPRINT_FIELD, STORY_POINT_ESTIMATE_FIELD, STORY_POINTS_FIELD,
};
use sprintdeck::demo::teams::model::{
    self, Email, JiraIssue, JiraLinkType, JiraProject, JiraSprint, JiraStatus, PersonId,
    ProjectStyle, SprintState, Step,
};

use super::super::served::Served;
use super::super::wire::{date, jira_time};
use super::issue_type_of;

fn fixture(rel: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/jira")
        .join(rel);
    serde_json::from_str(&std::fs::read_to_string(&path).expect("fixture")).expect("fixture json")
}

/// The captured issue's fields, for those the world has no say in (watches, votes, …).
fn template_fields() -> &'static Map<String, Value> {
    static T: OnceLock<Map<String, Value>> = OnceLock::new();
    T.get_or_init(|| {
        fixture("issue-cloud-2025-adf-sprint-timetracking.json")
            .get("fields")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default()
    })
}

/// Every field an issue can have, and whether `*navigable` includes it.
const FIELDS: [(&str, bool); 34] = [
    ("summary", true),
    ("description", true),
    ("status", true),
    ("statusCategory", true),
    ("statuscategorychangedate", true),
    ("issuetype", true),
    ("priority", true),
    ("assignee", true),
    ("reporter", true),
    ("creator", true),
    ("labels", true),
    ("duedate", true),
    ("created", true),
    ("updated", true),
    ("resolutiondate", true),
    ("resolution", true),
    ("parent", true),
    ("project", true),
    ("issuelinks", true),
    ("subtasks", true),
    ("components", true),
    ("fixVersions", true),
    ("versions", true),
    ("watches", true),
    ("votes", true),
    ("timetracking", true),
    ("environment", true),
    (STORY_POINT_ESTIMATE_FIELD, true),
    (STORY_POINTS_FIELD, true),
    (SPRINT_FIELD, true),
    (lookup::EPIC_LINK_FIELD, true),
    (lookup::START_DATE_FIELD, true),
    ("comment", false),
    ("worklog", false),
];

/// Which fields a request wants (`*all`, `*navigable`, names, `-name` to leave out).
#[derive(Debug, Clone)]
pub struct FieldSel {
    pub wanted: Vec<&'static str>,
    /// Only `id` (and maybe `key`) asked for: Jira answers with the ids (and keys) alone.
    pub ids_only: bool,
    pub with_key: bool,
}

impl FieldSel {
    /// Reads a `fields` list; `default` applies when it is empty (`id` for search, `*navigable`
    /// for bulk fetch, `*all` for a single issue).
    pub fn parse(list: &[String], default: &str) -> Self {
        let list: Vec<String> = if list.is_empty() {
            vec![default.to_owned()]
        } else {
            list.iter()
                .flat_map(|f| f.split(','))
                .map(|f| f.trim().to_owned())
                .filter(|f| !f.is_empty())
                .collect()
        };
        let mut wanted: Vec<&'static str> = Vec::new();
        let mut excluded: Vec<String> = Vec::new();
        for f in &list {
            match f.as_str() {
                "*all" => wanted.extend(FIELDS.iter().map(|(n, _)| *n)),
                "*navigable" => {
                    wanted.extend(FIELDS.iter().filter(|(_, nav)| *nav).map(|(n, _)| *n));
                }
                "id" | "key" => {}
                other if other.starts_with('-') => excluded.push(other[1..].to_owned()),
                other => {
                    if let Some((n, _)) = FIELDS.iter().find(|(n, _)| *n == other) {
                        wanted.push(n);
                    }
                }
            }
        }
        wanted.retain(|w| !excluded.iter().any(|e| e == w));
        wanted.dedup();
        let real = list.iter().any(|f| f != "id" && f != "key");
        Self {
            ids_only: !real,
            with_key: real || list.iter().any(|f| f == "key"),
            wanted,
        }
    }
}

pub struct Ctx<'a> {
    pub served: &'a Served,
    pub base: &'a str,
    pub now: DateTime<Utc>,
}

pub fn time(at: DateTime<Utc>) -> Value {
    Value::String(jira_time(at))
}

/// Text as an ADF document: paragraphs split at blank lines, line breaks as `hardBreak`
/// (rule JR-F-10: v3 descriptions and comments are ADF, not strings).
pub fn adf(text: &str) -> Value {
    if text.is_empty() {
        return Value::Null;
    }
    let paragraphs: Vec<Value> = text
        .split("\n\n")
        .map(|p| {
            let mut content = Vec::new();
            for (n, line) in p.split('\n').enumerate() {
                if n > 0 {
                    content.push(json!({ "type": "hardBreak" }));
                }
                if !line.is_empty() {
                    content.push(json!({ "type": "text", "text": line }));
                }
            }
            json!({ "type": "paragraph", "content": content })
        })
        .collect();
    json!({ "type": "doc", "version": 1, "content": paragraphs })
}

fn category(step: Step) -> Value {
    // Status categories by key (rule JR-F-7; captured `go-jira/all_statuscategories.json`).
    match step {
        Step::Todo => json!({ "id": 2, "key": "new", "colorName": "blue-gray", "name": "To Do" }),
        Step::Doing | Step::Review => {
            json!({ "id": 4, "key": "indeterminate", "colorName": "yellow", "name": "In Progress" })
        }
        Step::Done => json!({ "id": 3, "key": "done", "colorName": "green", "name": "Done" }),
    }
}

impl Ctx<'_> {
    /// Rule JR-F-8: `emailAddress` shown, left out, or null by the user's privacy settings; no
    /// `name` or `key` on Cloud.
    pub fn user(&self, p: PersonId) -> Value {
        let Some(u) = self
            .served
            .world
            .people
            .get(p)
            .and_then(|p| p.jira.as_ref())
        else {
            return Value::Null;
        };
        let mut v = json!({
            "self": format!("{}/rest/api/3/user?accountId={}", self.base, u.account_id),
            "accountId": u.account_id,
            "avatarUrls": { "48x48": format!("https://avatar.example/{}.png", u.account_id) },
            "displayName": u.display_name,
            "active": u.active,
            "timeZone": "Europe/Berlin",
            "accountType": u.account_type,
        });
        match &u.email {
            Email::Shown(e) => v["emailAddress"] = json!(e),
            Email::Null => v["emailAddress"] = Value::Null,
            Email::Absent => {}
        }
        v
    }

    pub fn status(&self, s: &JiraStatus) -> Value {
        json!({
            "self": format!("{}/rest/api/3/status/{}", self.base, s.id),
            "description": "",
            "iconUrl": format!("{}/images/icons/statuses/generic.png", self.base),
            "name": s.name,
            "id": s.id,
            "statusCategory": category(s.step),
        })
    }

    /// Rule JR-F-4: `Sub-task` or `Subtask`, `hierarchyLevel`; team-managed types carry an
    /// `entityId`.
    pub fn issue_type(&self, p: &JiraProject, t: model::JiraType) -> Value {
        let ty = issue_type_of(p, t);
        let mut v = json!({
            "self": format!("{}/rest/api/3/issuetype/{}", self.base, ty.id),
            "id": ty.id,
            "description": "",
            "iconUrl": format!("{}/images/icons/issuetypes/{}.svg", self.base, ty.id),
            "name": ty.name,
            "subtask": ty.subtask,
            "hierarchyLevel": ty.hierarchy_level,
        });
        if p.style == ProjectStyle::TeamManaged {
            v["entityId"] = json!(format!(
                "5b3c9d2e-{:04}-4d8a-9e2f-0c7b1a{:06}",
                ty.id.len(),
                ty.id.parse::<u64>().unwrap_or(0)
            ));
        }
        v
    }

    fn priority(&self, name: &str) -> Value {
        let id = super::priority_id(name);
        json!({
            "self": format!("{}/rest/api/3/priority/{id}", self.base),
            "iconUrl": format!("{}/images/icons/priorities/{}.svg", self.base, name.to_lowercase()),
            "name": name,
            "id": id.to_string(),
        })
    }

    pub fn project_ref(&self, p: &JiraProject) -> Value {
        json!({
            "self": format!("{}/rest/api/3/project/{}", self.base, p.id),
            "id": p.id,
            "key": p.key,
            "name": p.name,
            "projectTypeKey": "software",
            "simplified": p.style == ProjectStyle::TeamManaged,
        })
    }

    /// The small form of another issue (links, parent, sub-tasks).
    fn brief(&self, i: &JiraIssue) -> Value {
        let p = &self.served.world.jira.projects[i.project];
        json!({
            "id": i.id.to_string(),
            "key": i.key,
            "self": format!("{}/rest/api/3/issue/{}", self.base, i.id),
            "fields": {
                "summary": i.summary,
                "status": self.status(p.status(model::current(&i.history))),
                "priority": self.priority(i.priority),
                "issuetype": self.issue_type(p, i.issue_type),
            },
        })
    }

    /// Sprint field values: the sprints the issue is in now, closed ones included (rule JR-F-2).
    pub fn sprint_field(&self, i: &JiraIssue) -> Value {
        let list: Vec<Value> = i
            .sprints
            .iter()
            .filter(|s| s.left.is_none())
            .filter_map(|s| self.served.world.jira.sprint(s.sprint_id))
            .map(|s| {
                let mut v = json!({
                    "id": s.id,
                    "name": s.name,
                    "state": state(s.state),
                    "boardId": s.board_id,
                    "goal": s.goal,
                });
                if let Some(t) = s.start {
                    v["startDate"] = json!(t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string());
                }
                if let Some(t) = s.end {
                    v["endDate"] = json!(t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string());
                }
                if let Some(t) = s.complete {
                    v["completeDate"] = json!(t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string());
                }
                v
            })
            .collect();
        if list.is_empty() {
            Value::Null
        } else {
            Value::Array(list)
        }
    }

    /// Rule JR-F-6: one side per link, naming the other issue; `outwardIssue` means "this issue
    /// <outward> that one".
    fn links(&self, i: &JiraIssue) -> Value {
        let out: Vec<Value> = self
            .served
            .jr_links_of(i.id)
            .filter_map(|l| {
                let (other, side) = if l.outward_issue_id == i.id {
                    (l.inward_issue_id, "outwardIssue")
                } else {
                    (l.outward_issue_id, "inwardIssue")
                };
                let other = self.served.jr_issue(other)?;
                let ty = match l.link_type {
                    JiraLinkType::Blocks => json!({ "id": "10000", "name": "Blocks", "inward": "is blocked by", "outward": "blocks" }),
                    JiraLinkType::Relates => json!({ "id": "10003", "name": "Relates", "inward": "relates to", "outward": "relates to" }),
                    JiraLinkType::Duplicates => json!({ "id": "10002", "name": "Duplicate", "inward": "is duplicated by", "outward": "duplicates" }),
                };
                let mut v = json!({
                    "id": l.id.to_string(),
                    "self": format!("{}/rest/api/3/issueLink/{}", self.base, l.id),
                    "type": ty,
                });
                v[side] = self.brief(other);
                Some(v)
            })
            .collect();
        Value::Array(out)
    }

    pub fn comment(&self, c: &model::Comment) -> Value {
        json!({
            "self": format!("{}/rest/api/3/comment/{}", self.base, c.id),
            "id": c.id.to_string(),
            "author": self.user(c.author),
            "body": adf(&c.body),
            "updateAuthor": self.user(c.author),
            "created": time(c.at),
            "updated": time(c.at),
            "jsdPublic": true,
        })
    }

    fn field(&self, name: &str, i: &JiraIssue) -> Option<Value> {
        let jr = &self.served.world.jira;
        let p = &jr.projects[i.project];
        let step = model::current(&i.history);
        let closed = model::closed_at(&i.history);
        let company = p.style == ProjectStyle::CompanyManaged;
        Some(match name {
            "summary" => json!(i.summary),
            "description" => adf(&i.description),
            "status" => self.status(p.status(step)),
            "statusCategory" => category(step),
            "statuscategorychangedate" => time(i.history.last().map_or(i.created, |c| c.at)),
            "issuetype" => self.issue_type(p, i.issue_type),
            "priority" => self.priority(i.priority),
            "assignee" => i.assignee.map_or(Value::Null, |a| self.user(a)),
            "reporter" | "creator" => self.user(i.reporter),
            "labels" => json!(i.labels),
            "duedate" => i.due_date.map_or(Value::Null, |d| json!(date(d))),
            "created" => time(i.created),
            "updated" => time(i.updated),
            "resolutiondate" => closed.map_or(Value::Null, time),
            "resolution" => closed.map_or(Value::Null, |_| {
                json!({ "self": format!("{}/rest/api/3/resolution/10000", self.base), "id": "10000", "description": "Work has been completed on this issue.", "name": "Done" })
            }),
            "parent" => match i.parent_id.and_then(|x| self.served.jr_issue(x)) {
                Some(parent) => self.brief(parent),
                None => return None,
            },
            "project" => self.project_ref(p),
            "issuelinks" => self.links(i),
            "subtasks" => Value::Array(self.served.jr_children_of(i.id).filter(|c| c.issue_type == model::JiraType::Subtask).map(|c| self.brief(c)).collect()),
            "comment" => {
                let list: Vec<Value> = i.comments.iter().map(|c| self.comment(c)).collect();
                json!({ "comments": list, "self": format!("{}/rest/api/3/issue/{}/comment", self.base, i.id), "maxResults": list.len(), "total": list.len(), "startAt": 0 })
            }
            // The custom fields the project's context has (rule JR-F-3, U-J15): team-managed
            // projects estimate with "Story point estimate", company-managed ones with
            // "Story Points" and still carry the legacy "Epic Link".
            f if f == STORY_POINT_ESTIMATE_FIELD || f == STORY_POINTS_FIELD => {
                if p.points_field != f {
                    return None;
                }
                json!(i.points)
            }
            f if f == lookup::EPIC_LINK_FIELD => {
                if !company {
                    return None;
                }
                Value::Null
            }
            f if f == SPRINT_FIELD => self.sprint_field(i),
            f if f == lookup::START_DATE_FIELD => Value::Null,
            other => template_fields().get(other).cloned().unwrap_or(Value::Null),
        })
    }

    /// An issue with the fields `sel` asks for. Ids alone when nothing else is asked (rule
    /// U-J4).
    pub fn issue(&self, i: &JiraIssue, sel: &FieldSel) -> Value {
        if sel.ids_only {
            let mut v = json!({ "id": i.id.to_string() });
            if sel.with_key {
                v["key"] = json!(i.key);
            }
            return v;
        }
        let mut fields = Map::new();
        for f in &sel.wanted {
            if let Some(v) = self.field(f, i) {
                fields.insert((*f).to_owned(), v);
            }
        }
        json!({
            "expand": "renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations",
            "id": i.id.to_string(),
            "self": format!("{}/rest/api/3/issue/{}", self.base, i.id),
            "key": i.key,
            "fields": fields,
        })
    }

    /// A changelog entry (captured `rest-api-3-issue-key-changelog.GET.200.json`), items kept
    /// when `keep` says so.
    pub fn history(&self, h: &History, keep: &dyn Fn(&lookup::Item) -> bool) -> Option<Value> {
        let items: Vec<Value> = h
            .items
            .iter()
            .filter(|it| keep(it))
            .map(|it| {
                json!({
                    "field": it.field,
                    "fieldtype": it.field_type,
                    "fieldId": it.field_id,
                    "from": it.from,
                    "fromString": it.from_string,
                    "to": it.to,
                    "toString": it.to_string,
                })
            })
            .collect();
        if items.is_empty() {
            return None;
        }
        Some(json!({
            "id": h.id.to_string(),
            "author": self.user(h.author),
            "created": time(h.at),
            "items": items,
        }))
    }

    /// An Agile sprint (rule JR-AG-2): future sprints have no dates, active ones no
    /// `completeDate`.
    pub fn sprint(&self, s: &JiraSprint) -> Value {
        let mut v = json!({
            "id": s.id,
            "self": format!("{}/rest/agile/1.0/sprint/{}", self.base, s.id),
            "state": state(s.state),
            "name": s.name,
            "originBoardId": s.board_id,
            "goal": s.goal,
        });
        if let Some(t) = s.start {
            v["startDate"] = time(t);
        }
        if let Some(t) = s.end {
            v["endDate"] = time(t);
        }
        if let Some(t) = s.complete {
            v["completeDate"] = time(t);
        }
        v
    }
}

pub fn state(s: SprintState) -> &'static str {
    match s {
        SprintState::Future => "future",
        SprintState::Active => "active",
        SprintState::Closed => "closed",
    }
}
