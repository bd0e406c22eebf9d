//! GitLab objects as the API shows them. The issue starts from the captured issue payload
//! (`tests/fixtures/gitlab/issue.full-modern.go-gitlab.json`), events from the captured resource
//! events, iterations and milestones from their captured lists; fields not in a capture follow
//! the documented entity (rule ids in comments).

use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use sprintdeck::demo::teams::lookup::{self, LabelEvent, StateEvent};
use sprintdeck::demo::teams::model::{
    self, Epic, GitlabIssue, Group, Iteration, Milestone, MilestoneOwner, PersonId, Project,
};

use super::super::served::Served;
use super::super::wire::{date, gitlab_time, name_id};

fn fixture(rel: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/gitlab")
        .join(rel);
    serde_json::from_str(&std::fs::read_to_string(&path).expect("fixture")).expect("fixture json")
}

fn issue_template() -> &'static Value {
    static T: OnceLock<Value> = OnceLock::new();
    T.get_or_init(|| fixture("issue.full-modern.go-gitlab.json"))
}

fn first_of(rel: &'static str, cell: &'static OnceLock<Value>) -> &'static Value {
    cell.get_or_init(|| fixture(rel).get(0).cloned().unwrap_or(Value::Null))
}

/// How the world's timestamps look in GitLab's answers.
pub fn time(at: DateTime<Utc>) -> Value {
    Value::String(gitlab_time(at))
}

fn opt_time(at: Option<DateTime<Utc>>) -> Value {
    at.map_or(Value::Null, time)
}

pub struct Ctx<'a> {
    pub served: &'a Served,
    /// The instance's address: web URLs and API links use it.
    pub base: &'a str,
    pub free: bool,
    pub today: chrono::NaiveDate,
}

impl Ctx<'_> {
    fn gl(&self) -> &model::Gitlab {
        &self.served.world.gitlab
    }

    /// A user as issue payloads embed them (`name`, `username`, `id`, `state`, `avatar_url`,
    /// `web_url`, as in the captured issue).
    pub fn user(&self, p: PersonId) -> Value {
        let Some(u) = self
            .served
            .world
            .people
            .get(p)
            .and_then(|p| p.gitlab.as_ref())
        else {
            return Value::Null;
        };
        json!({
            "id": u.id,
            "username": u.username,
            "name": u.name,
            "state": "active",
            "avatar_url": format!("https://www.gravatar.com/avatar/{:032x}?s=80&d=identicon", u.id),
            "web_url": format!("{}/{}", self.base, u.username),
        })
    }

    pub fn group(&self, g: &Group) -> Value {
        json!({
            "id": g.id,
            "name": g.name,
            "path": g.full_path.rsplit('/').next().unwrap_or(&g.full_path),
            "full_path": g.full_path,
            "full_name": g.full_path.replace('/', " / "),
            "parent_id": g.parent_id,
            "visibility": "private",
            "web_url": format!("{}/groups/{}", self.base, g.full_path),
        })
    }

    pub fn project(&self, p: &Project) -> Value {
        let group = self.gl().group(p.group_id);
        let path = p.full_path.rsplit('/').next().unwrap_or(&p.full_path);
        json!({
            "id": p.id,
            "description": "",
            "name": p.name,
            "name_with_namespace": format!("{} / {}", group.map_or("", |g| g.name.as_str()), p.name),
            "path": path,
            "path_with_namespace": p.full_path,
            "created_at": time(self.served.world.anchor - chrono::Duration::days(400)),
            "default_branch": "main",
            "topics": [],
            "web_url": format!("{}/{}", self.base, p.full_path),
            "avatar_url": null,
            "namespace": group.map(|g| json!({
                "id": g.id,
                "name": g.name,
                "path": g.full_path.rsplit('/').next().unwrap_or(&g.full_path),
                "kind": "group",
                "full_path": g.full_path,
                "parent_id": g.parent_id,
                "web_url": format!("{}/groups/{}", self.base, g.full_path),
            })),
            "archived": false,
            "visibility": "private",
            "issues_enabled": true,
        })
    }

    /// Rule GL-ISS-11: a project milestone carries `project_id`, a group one `group_id`; state
    /// is `active` or `closed`.
    pub fn milestone(&self, m: &Milestone) -> Value {
        let mut v = json!({
            "id": m.id,
            "iid": m.iid,
            "title": m.title,
            "description": "",
            "state": if m.closed { "closed" } else { "active" },
            "created_at": time(self.served.world.anchor - chrono::Duration::days(90)),
            "updated_at": time(self.served.world.anchor - chrono::Duration::days(3)),
            "due_date": date(m.due_date),
            "start_date": date(m.start_date),
            "expired": m.due_date < self.today,
            "web_url": format!("{}/{}/-/milestones/{}", self.base, self.gl().milestone_owner_path(m), m.iid),
        });
        match m.owner {
            MilestoneOwner::Project(p) => v["project_id"] = json!(p),
            MilestoneOwner::Group(g) => v["group_id"] = json!(g),
        }
        v
    }

    /// Rules GL-ISS-10, GL-IT-2: `state` is an integer (1 upcoming, 2 current, 3 closed);
    /// automatically scheduled iterations have no title.
    pub fn iteration(&self, it: &Iteration) -> Value {
        let group = self
            .gl()
            .group(it.group_id)
            .map_or("", |g| g.full_path.as_str());
        json!({
            "id": it.id,
            "iid": it.iid,
            "sequence": it.iid,
            "group_id": it.group_id,
            "title": it.title,
            "description": null,
            "state": lookup::iteration_state(it, self.today),
            "created_at": time(self.served.world.anchor - chrono::Duration::days(200)),
            "updated_at": time(self.served.world.anchor - chrono::Duration::days(200)),
            "start_date": date(it.start_date),
            "due_date": date(it.due_date),
            "web_url": format!("{}/groups/{group}/-/iterations/{}", self.base, it.id),
        })
    }

    /// Rule GL-EP-4 (doc/api/epics.md example): references use the group's path and `&`.
    pub fn epic(&self, e: &Epic) -> Value {
        let gl = self.gl();
        json!({
            "id": e.id,
            "iid": e.iid,
            "group_id": e.group_id,
            "parent_id": null,
            "parent_iid": null,
            "title": e.title,
            "description": e.description,
            "state": if e.closed_at.is_some() { "closed" } else { "opened" },
            "confidential": false,
            "web_url": format!("{}{}", self.base, gl.epic_path(e)),
            "reference": format!("&{}", e.iid),
            "references": { "short": format!("&{}", e.iid), "relative": format!("&{}", e.iid), "full": gl.epic_key(e) },
            "author": self.user(e.author),
            "start_date": null,
            "start_date_is_fixed": false,
            "due_date": null,
            "due_date_is_fixed": false,
            "created_at": time(e.created_at),
            "updated_at": time(e.updated_at),
            "closed_at": opt_time(e.closed_at),
            "labels": e.labels,
            "upvotes": 0,
            "downvotes": 0,
            "color": "#1068bf",
            "_links": {
                "self": format!("{}/api/v4/groups/{}/epics/{}", self.base, e.group_id, e.iid),
                "epic_issues": format!("{}/api/v4/groups/{}/epics/{}/issues", self.base, e.group_id, e.iid),
                "group": format!("{}/api/v4/groups/{}", self.base, e.group_id),
                "parent": null,
            },
        })
    }

    /// An issue: the captured payload with the world's values (rule GL-ISS-6). Premium keys
    /// (`weight`, `epic`, `epic_iid`, `iteration`, `health_status`) are absent on Free (rule
    /// GL-ISS-8). The embedded `epic.url` is a path, as GitLab's `EpicBaseEntity` gives it.
    pub fn issue(&self, i: &GitlabIssue) -> Value {
        let gl = self.gl();
        let mut v = issue_template().clone();
        let path = gl
            .project(i.project_id)
            .map_or("", |p| p.full_path.as_str());
        let step = model::current(&i.history);
        let closed = model::closed_at(&i.history);
        let assignees: Vec<Value> = i.assignees.iter().map(|p| self.user(*p)).collect();
        let mut labels = i.labels.clone();
        labels.extend(lookup::workflow_label(&i.history).map(str::to_owned));
        labels.sort();
        v["id"] = json!(i.id);
        v["iid"] = json!(i.iid);
        v["project_id"] = json!(i.project_id);
        v["title"] = json!(i.title);
        v["description"] = json!(i.description);
        v["state"] = json!(if step == model::Step::Done {
            "closed"
        } else {
            "opened"
        });
        v["created_at"] = time(i.created_at);
        v["updated_at"] = time(i.updated_at);
        v["closed_at"] = opt_time(closed);
        v["closed_by"] = if closed.is_some() {
            self.user(i.assignees.first().copied().unwrap_or(i.author))
        } else {
            Value::Null
        };
        v["labels"] = json!(labels);
        v["milestone"] = i
            .milestone_id
            .and_then(|m| gl.milestone(m))
            .map_or(Value::Null, |m| self.milestone(m));
        v["assignee"] = assignees.first().cloned().unwrap_or(Value::Null);
        v["assignees"] = Value::Array(assignees);
        v["author"] = self.user(i.author);
        v["type"] = json!(i.kind.api_name().to_ascii_uppercase());
        v["issue_type"] = json!(i.kind.api_name());
        v["user_notes_count"] = json!(i.comments.len());
        v["due_date"] = i.due_date.map_or(Value::Null, |d| json!(date(d)));
        v["web_url"] = json!(format!("{}{}", self.base, gl.issue_path(i)));
        v["references"] = json!({
            "short": format!("#{}", i.iid),
            "relative": format!("#{}", i.iid),
            "full": format!("{path}#{}", i.iid),
        });
        let api = format!("{}/api/v4/projects/{}", self.base, i.project_id);
        v["_links"] = json!({
            "self": format!("{api}/issues/{}", i.iid),
            "notes": format!("{api}/issues/{}/notes", i.iid),
            "award_emoji": format!("{api}/issues/{}/award_emoji", i.iid),
            "project": api,
            "closed_as_duplicate_of": null,
        });
        v["moved_to_id"] = json!(i.moved_to_id);
        v["severity"] = json!("UNKNOWN");
        v["imported"] = json!(false);
        v["imported_from"] = json!("none");
        if !self.free {
            v["weight"] = json!(i.weight);
            v["health_status"] = Value::Null;
            let epic = i.epic_id.and_then(|e| self.served.epic(e));
            v["epic_iid"] = json!(epic.map(|e| e.iid));
            v["epic"] = epic.map_or(Value::Null, |e| {
                json!({
                    "id": e.id,
                    "iid": e.iid,
                    "title": e.title,
                    "url": gl.epic_path(e),
                    "group_id": e.group_id,
                    "human_readable_end_date": null,
                    "human_readable_timestamp": null,
                })
            });
            v["iteration"] = i
                .iteration_id
                .and_then(|x| gl.iteration(x))
                .map_or(Value::Null, |x| self.iteration(x));
        }
        v
    }

    fn label(name: &str) -> Value {
        json!({
            "id": name_id(name),
            "name": name,
            "color": format!("#{:06X}", name_id(name) * 2654 % 0x00FF_FFFF),
            "description": "",
        })
    }

    /// Rule GL-RE-1, GL-RE-2 (captured `issue-resource-state-events.list.narkoz.json`).
    pub fn state_event(&self, i: &GitlabIssue, e: &StateEvent) -> Value {
        static T: OnceLock<Value> = OnceLock::new();
        let mut v = first_of("issue-resource-state-events.list.narkoz.json", &T).clone();
        v["id"] = json!(e.id);
        v["user"] = self.user(i.assignees.first().copied().unwrap_or(i.author));
        v["created_at"] = time(e.at);
        v["resource_type"] = json!("Issue");
        v["resource_id"] = json!(i.id);
        v["state"] = json!(e.state);
        v["source_commit"] = Value::Null;
        v["source_merge_request"] = Value::Null;
        v
    }

    /// Rule GL-RE-3 (captured `issue-resource-label-events.list.narkoz.json`).
    pub fn label_event(&self, i: &GitlabIssue, e: &LabelEvent) -> Value {
        static T: OnceLock<Value> = OnceLock::new();
        let mut v = first_of("issue-resource-label-events.list.narkoz.json", &T).clone();
        v["id"] = json!(e.id);
        v["user"] = self.user(i.assignees.first().copied().unwrap_or(i.author));
        v["created_at"] = time(e.at);
        v["resource_type"] = json!("Issue");
        v["resource_id"] = json!(i.id);
        v["label"] = Self::label(&e.label);
        v["action"] = json!(if e.add { "add" } else { "remove" });
        v
    }

    /// Rule GL-RE-4, GL-RE-5: the milestone or iteration was added when the issue was made.
    pub fn timebox_event(&self, i: &GitlabIssue, key: &str, object: &Value) -> Value {
        json!({
            "id": i.id * 1000 + 999,
            "user": self.user(i.author),
            "created_at": time(i.created_at),
            "resource_type": "Issue",
            "resource_id": i.id,
            key: object,
            "action": "add",
        })
    }

    pub fn note(&self, i: &GitlabIssue, c: &model::Comment) -> Value {
        json!({
            "id": c.id,
            "type": null,
            "body": c.body,
            "author": self.user(c.author),
            "created_at": time(c.at),
            "updated_at": time(c.at),
            "system": false,
            "noteable_id": i.id,
            "noteable_type": "Issue",
            "noteable_iid": i.iid,
            "resolvable": false,
            "confidential": false,
            "internal": false,
        })
    }
}

pub fn state_events(i: &GitlabIssue) -> (Vec<StateEvent>, Vec<LabelEvent>) {
    let e = lookup::gitlab_events(i);
    (e.states, e.labels)
}
