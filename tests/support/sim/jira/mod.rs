//! Jira Cloud REST v3 and Jira Software Agile 1.0: the routes sprintdeck's sync and `doctor`
//! use, the retired search (410), and single-issue reads. Basic auth with the account's e-mail
//! and API token; anything else is Cloud's plain-text 401.

mod agile;
mod edits;
mod jql;
mod render;
mod search;
mod writes;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use sprintdeck::demo::teams::lookup::{
    self, SPRINT_FIELD, STORY_POINT_ESTIMATE_FIELD, STORY_POINTS_FIELD,
};
use sprintdeck::demo::teams::model::{JiraIssueType, JiraProject, JiraType, ProjectStyle};

use super::faults::jira_unauthorized;
use super::served::Served;
use super::wire::{Reply, base64_decode};
use super::{Request, Shared};
use render::{Ctx, FieldSel};

enum Route {
    SearchJql,
    Retired,
    ApproximateCount,
    BulkFetch,
    ChangelogBulk,
    Issue(String),
    IssueChangelog(String),
    IssueComments(String),
    RemoteLinks(String),
    Fields,
    Myself,
    Project(String),
    Agile(agile::Route),
    Unknown,
}

fn route(r: &Request) -> Route {
    use axum::http::Method;
    let s: Vec<&str> = r.segments.iter().map(String::as_str).collect();
    let get = r.method == Method::GET;
    let post = r.method == Method::POST;
    match s.as_slice() {
        ["rest", "api", "3", "search", "jql"] if get || post => Route::SearchJql,
        ["rest", "api", "2" | "3", "search"] | ["rest", "api", "2" | "3", "search", "id"] => {
            Route::Retired
        }
        ["rest", "api", "3", "search", "approximate-count"] if post => Route::ApproximateCount,
        ["rest", "api", "3", "issue", "bulkfetch"] if post => Route::BulkFetch,
        ["rest", "api", "3", "changelog", "bulkfetch"] if post => Route::ChangelogBulk,
        ["rest", "api", "3", "issue", key] if get => Route::Issue((*key).to_owned()),
        ["rest", "api", "3", "issue", key, "changelog"] if get => {
            Route::IssueChangelog((*key).to_owned())
        }
        ["rest", "api", "3", "issue", key, "comment"] if get => {
            Route::IssueComments((*key).to_owned())
        }
        ["rest", "api", "3", "issue", key, "remotelink"] if get => {
            Route::RemoteLinks((*key).to_owned())
        }
        ["rest", "api", "3", "field"] if get => Route::Fields,
        ["rest", "api", "3", "myself"] if get => Route::Myself,
        ["rest", "api", "3", "project", key] if get => Route::Project((*key).to_owned()),
        ["rest", "agile", "1.0", rest @ ..] if get => {
            agile::route(rest).map_or(Route::Unknown, Route::Agile)
        }
        _ => Route::Unknown,
    }
}

pub fn endpoint(r: &Request) -> String {
    if let Some(w) = writes::route(r) {
        return w.template().to_owned();
    }
    match route(r) {
        Route::SearchJql => "/rest/api/3/search/jql".into(),
        Route::Retired => format!("/{}", r.segments.join("/")),
        Route::ApproximateCount => "/rest/api/3/search/approximate-count".into(),
        Route::BulkFetch => "/rest/api/3/issue/bulkfetch".into(),
        Route::ChangelogBulk => "/rest/api/3/changelog/bulkfetch".into(),
        Route::Issue(_) => "/rest/api/3/issue/:key".into(),
        Route::IssueChangelog(_) => "/rest/api/3/issue/:key/changelog".into(),
        Route::IssueComments(_) => "/rest/api/3/issue/:key/comment".into(),
        Route::RemoteLinks(_) => "/rest/api/3/issue/:key/remotelink".into(),
        Route::Fields => "/rest/api/3/field".into(),
        Route::Myself => "/rest/api/3/myself".into(),
        Route::Project(_) => "/rest/api/3/project/:key".into(),
        Route::Agile(a) => a.template(),
        Route::Unknown => "(unknown)".into(),
    }
}

/// Basic auth: `email:api_token` (developer.atlassian.com/cloud/jira/platform/basic-auth-for-rest-apis).
fn authorised(shared: &Shared, r: &Request) -> bool {
    let want = format!(
        "{}:{}",
        shared.options.jira_email, shared.options.jira_token
    );
    r.header("authorization")
        .and_then(|a| a.strip_prefix("Basic "))
        .and_then(base64_decode)
        .is_some_and(|d| d == want.as_bytes())
}

/// An `ErrorCollection` (rule JR-ERR-1).
pub fn error(status: u16, message: &str) -> Reply {
    Reply::json(status, &json!({ "errorMessages": [message], "errors": {} }))
}

/// Rule JR-ERR-2: not found and not allowed look the same.
pub fn no_issue() -> Reply {
    error(
        404,
        "Issue does not exist or you do not have permission to see it.",
    )
}

/// Jira's default priorities, most urgent first (ids 1 to 5).
pub const PRIORITY_NAMES: [&str; 5] = ["Highest", "High", "Medium", "Low", "Lowest"];

pub fn priority_name(id: &str) -> Option<&'static str> {
    let n: usize = id.parse().ok()?;
    PRIORITY_NAMES.get(n.checked_sub(1)?).copied()
}

pub fn priority_id(name: &str) -> u64 {
    match name {
        "Highest" => 1,
        "High" => 2,
        "Medium" => 3,
        "Low" => 4,
        _ => 5,
    }
}

/// The project's issue type for a kind of issue (the sub-task type's name differs by style).
pub fn issue_type_of(p: &JiraProject, t: JiraType) -> &JiraIssueType {
    let name = match t {
        JiraType::Epic => "Epic",
        JiraType::Story => "Story",
        JiraType::Task => "Task",
        JiraType::Bug => "Bug",
        JiraType::Subtask => {
            return p
                .issue_types
                .iter()
                .find(|x| x.subtask)
                .unwrap_or(&p.issue_types[0]);
        }
    };
    p.issue_types
        .iter()
        .find(|x| x.name == name)
        .unwrap_or(&p.issue_types[0])
}

pub fn handle(shared: &Shared, r: &Request) -> Reply {
    let route = route(r);
    if let Route::Retired = route {
        // The retired search answers 410 with its migration notice (rules JR-OLD-1, JR-OLD-2,
        // U-J9; developer.atlassian.com/changelog/#CHANGE-2046).
        return error(
            410,
            "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. A full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046",
        );
    }
    if !authorised(shared, r) {
        return jira_unauthorized();
    }
    if let Some(w) = writes::route(r) {
        return writes::handle(shared, r, w);
    }
    let served = shared.served.read().expect("lock");
    let now: DateTime<Utc> = *shared.now.lock().expect("lock");
    let ctx = Ctx {
        served: &served,
        base: &shared.jira_url,
        now,
    };
    match route {
        Route::SearchJql => search::search(shared, &ctx, r),
        Route::ApproximateCount => search::approximate_count(&ctx, r),
        Route::BulkFetch => search::bulk_fetch(&ctx, r),
        Route::ChangelogBulk => search::changelog_bulk(&ctx, r),
        Route::IssueChangelog(key) => search::changelog_page(&ctx, r, &key),
        Route::Issue(key) => match served.jr_find(&key) {
            // A moved issue answers under its new key (rule JR-MV-2).
            Some(i) => {
                let fields: Vec<String> = r
                    .query
                    .all("fields")
                    .iter()
                    .map(|s| (*s).to_owned())
                    .collect();
                Reply::ok(&ctx.issue(i, &FieldSel::parse(&fields, "*all")))
            }
            None => no_issue(),
        },
        Route::IssueComments(key) => match served.jr_find(&key) {
            Some(i) => {
                let list: Vec<Value> = i.comments.iter().map(|c| ctx.comment(c)).collect();
                Reply::ok(
                    &json!({ "startAt": 0, "maxResults": 5000, "total": list.len(), "comments": list }),
                )
            }
            None => no_issue(),
        },
        Route::RemoteLinks(key) => match served.jr_find(&key) {
            Some(i) => Reply::ok(&Value::Array(remote_links(shared, &served, i.id))),
            None => no_issue(),
        },
        Route::Fields => Reply::ok(&fields()),
        Route::Myself => Reply::ok(&json!({
            "self": format!("{}/rest/api/3/user?accountId=712020:sync-bot", shared.jira_url),
            "accountId": "712020:sync-bot",
            "accountType": "atlassian",
            "emailAddress": shared.options.jira_email,
            "displayName": "Sync Bot",
            "active": true,
            "timeZone": "UTC",
            "locale": "en_US",
        })),
        Route::Project(key) => match served.world.jira.project_by_ref(&key) {
            Some(p) => Reply::ok(&project(&ctx, p)),
            None => error(
                404,
                "No project could be found with key '{key}'."
                    .replace("{key}", &key)
                    .as_str(),
            ),
        },
        Route::Agile(a) => agile::handle(&ctx, r, a),
        Route::Retired | Route::Unknown => error(404, "null for uri: unknown resource"),
    }
}

/// Remote links to GitLab issues (the dependency crosses trackers).
fn remote_links(shared: &Shared, served: &Served, issue: u64) -> Vec<Value> {
    served
        .jr_remote_links_of(issue)
        .filter_map(|l| {
            let gl = served.gl_issue(l.gitlab_issue_id)?;
            let url = format!("{}{}", shared.gitlab_url, served.world.gitlab.issue_path(gl));
            Some(json!({
                "id": l.id,
                "self": format!("{}/rest/api/3/issue/{issue}/remotelink/{}", shared.jira_url, l.id),
                "globalId": format!("gitlab-issue={}", gl.id),
                "application": { "type": "com.gitlab", "name": "GitLab" },
                "relationship": if l.blocks { "blocks" } else { "relates to" },
                "object": {
                    "url": url,
                    "title": served.world.gitlab.key(gl),
                    "summary": gl.title,
                    "icon": { "url16x16": "https://gitlab.example/favicon.ico", "title": "GitLab" },
                    "status": { "resolved": sprintdeck::demo::teams::model::closed_at(&gl.history).is_some() },
                },
            }))
        })
        .collect()
}

/// `GET /rest/api/3/field`: the captured list (`fields.assembled.json`), with the
/// company-managed "Story Points" number field, "Start date" and "Rank" added in the same
/// shape (rule JR-F-1: ids differ per site; find them by schema).
fn fields() -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/jira/fields.assembled.json");
    let mut list: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("json");
    let custom = |id: &str, name: &str, kind: &str, custom: &str| {
        json!({
            "id": id,
            "key": id,
            "name": name,
            "custom": true,
            "orderable": true,
            "navigable": true,
            "searchable": true,
            "clauseNames": [format!("cf[{}]", id.trim_start_matches("customfield_")), name],
            "schema": { "type": kind, "custom": custom, "customId": id.trim_start_matches("customfield_").parse::<u64>().unwrap_or(0) },
        })
    };
    list.push(custom(
        STORY_POINTS_FIELD,
        "Story Points",
        "number",
        "com.atlassian.jira.plugin.system.customfieldtypes:float",
    ));
    list.push(custom(
        lookup::START_DATE_FIELD,
        "Start date",
        "date",
        "com.atlassian.jira.plugin.system.customfieldtypes:datepicker",
    ));
    list.push(custom(
        "customfield_10019",
        "Rank",
        "any",
        "com.pyxis.greenhopper.jira:gh-lexo-rank",
    ));
    debug_assert!(
        list.iter().any(|f| f["id"] == SPRINT_FIELD)
            && list.iter().any(|f| f["id"] == STORY_POINT_ESTIMATE_FIELD)
    );
    Value::Array(list)
}

/// Rule JR-F-9: `style` classic or next-gen, and `simplified`.
fn project(ctx: &Ctx<'_>, p: &JiraProject) -> Value {
    let team = p.style == ProjectStyle::TeamManaged;
    json!({
        "self": format!("{}/rest/api/3/project/{}", ctx.base, p.id),
        "id": p.id,
        "key": p.key,
        "name": p.name,
        "description": "",
        "projectTypeKey": "software",
        "simplified": team,
        "style": if team { "next-gen" } else { "classic" },
        "isPrivate": false,
        "issueTypes": p.issue_types.iter().map(|t| json!({
            "self": format!("{}/rest/api/3/issuetype/{}", ctx.base, t.id),
            "id": t.id,
            "name": t.name,
            "subtask": t.subtask,
            "hierarchyLevel": t.hierarchy_level,
        })).collect::<Vec<_>>(),
    })
}
