//! GitLab's list endpoints: their parameters (validated as Grape does), filters, orders and
//! pagination.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use sprintdeck::demo::teams::lookup;
use sprintdeck::demo::teams::model::{self, Epic, GitlabIssue, GitlabLinkType, MilestoneOwner};

use super::super::wire::Reply;
use super::super::{Request, Shared};
use super::paging::{self, Listing, SortKey, grape_error};
use super::render::{Ctx, state_events};
use super::{not_found, value_list};

pub struct Lists<'a> {
    pub ctx: &'a Ctx<'a>,
    pub shared: &'a Shared,
    pub r: &'a Request,
    /// This request's URL without its query: where page links point.
    pub url: &'a str,
}

/// Parameters that take one of a few values: anything else is Grape's 400 (rule GL-ISS-3).
fn one_of<'q>(
    r: &'q Request,
    key: &str,
    allowed: &[&str],
    default: &'q str,
) -> Result<&'q str, Reply> {
    match r.query.get(key) {
        None => Ok(default),
        Some(v) if allowed.contains(&v) => Ok(v),
        Some(_) => Err(grape_error(
            400,
            &format!("{key} does not have a valid value"),
        )),
    }
}

/// ISO 8601 times, inclusive bounds (rule GL-ISS-4).
fn time_param(r: &Request, key: &str) -> Result<Option<DateTime<Utc>>, Reply> {
    match r.query.get(key) {
        None => Ok(None),
        Some(v) => DateTime::parse_from_rfc3339(v)
            .map(|t| Some(t.with_timezone(&Utc)))
            .map_err(|_| grape_error(400, &format!("{key} is invalid"))),
    }
}

fn bool_param(r: &Request, key: &str, default: bool) -> Result<bool, Reply> {
    match r.query.get(key) {
        None => Ok(default),
        Some("true") => Ok(true),
        Some("false") => Ok(false),
        Some(_) => Err(grape_error(400, &format!("{key} is invalid"))),
    }
}

/// Orders GitLab accepts for issue lists, and the ones keyset pagination supports for project
/// issues (doc/api/rest/_index.md keyset table, GitLab 18.3+; rules GL-ISS-3, GL-KEY-4).
const ISSUE_ORDERS: [&str; 10] = [
    "created_at",
    "due_date",
    "label_priority",
    "milestone_due",
    "popularity",
    "priority",
    "relative_position",
    "title",
    "updated_at",
    "weight",
];
const KEYSET_ISSUE_ORDERS: [&str; 7] = [
    "created_at",
    "updated_at",
    "title",
    "id",
    "weight",
    "due_date",
    "relative_position",
];

fn issue_key(i: &GitlabIssue, order_by: &str) -> SortKey {
    let v = match order_by {
        "updated_at" => json!(i.updated_at.timestamp_millis()),
        "title" => json!(i.title),
        "weight" => json!(i.weight),
        "due_date" => json!(i.due_date.map(|d| d.to_string())),
        "created_at" => json!(i.created_at.timestamp_millis()),
        _ => json!(i.id),
    };
    (v, i.id)
}

impl Lists<'_> {
    fn listing(&self, offset_limit: bool, model: &'static str) -> Listing<'_> {
        Listing {
            url: self.url,
            query: &self.r.query,
            offset_limit: offset_limit.then_some(self.shared.options.offset_limit),
            model,
        }
    }

    fn free_403(&self) -> Option<Reply> {
        // Epics and iterations are Premium: 403 where the feature is not available (rule
        // GL-EP-1, U-G9).
        self.ctx
            .free
            .then(|| Reply::json(403, &json!({ "message": "403 Forbidden" })))
    }

    fn no_keyset(&self) -> Option<Reply> {
        // Keyset on a resource that does not support it (rules GL-KEY-4, GL-KEY-5, U-G4).
        (self.r.query.get("pagination") == Some("keyset")).then(|| {
            grape_error(
                405,
                "Keyset pagination is not yet available for this type of request",
            )
        })
    }

    /// `GET /groups/:id/projects`: `include_subgroups` defaults to false; plain offset pages
    /// (lib/api/groups.rb `find_group_projects` calls `paginate`, so `pagination=keyset` is an
    /// unknown parameter there and is ignored).
    pub fn group_projects(&self, id: &str) -> Reply {
        let gl = &self.ctx.served.world.gitlab;
        let Some(group) = gl.group_by_ref(id) else {
            return not_found("Group");
        };
        let run = || -> Result<Reply, Reply> {
            let subgroups = bool_param(self.r, "include_subgroups", false)?;
            let order_by = one_of(
                self.r,
                "order_by",
                &[
                    "id",
                    "name",
                    "path",
                    "created_at",
                    "updated_at",
                    "last_activity_at",
                    "similarity",
                    "star_count",
                ],
                "created_at",
            )?;
            let sort = one_of(self.r, "sort", &["asc", "desc"], "desc")?;
            let groups = if subgroups {
                gl.subtree(group.id)
            } else {
                vec![group.id]
            };
            let mut projects: Vec<_> = gl
                .projects
                .iter()
                .filter(|p| groups.contains(&p.group_id))
                .collect();
            projects.sort_by(|a, b| {
                let o = match order_by {
                    "name" => a.name.cmp(&b.name),
                    "path" => a.full_path.cmp(&b.full_path),
                    _ => a.id.cmp(&b.id),
                };
                if sort == "desc" { o.reverse() } else { o }
            });
            let (page, headers) = paging::offset(&projects, &self.listing(false, "Project"))?;
            Ok(value_list(
                page.iter()
                    .map(|n| self.ctx.project(projects[*n]))
                    .collect(),
                headers,
            ))
        };
        run().unwrap_or_else(|e| e)
    }

    /// Filters shared by project and group issue lists (rules GL-ISS-2..5).
    fn issue_filter(&self) -> Result<impl Fn(&GitlabIssue) -> bool + use<'_>, Reply> {
        let state = one_of(self.r, "state", &["opened", "closed", "all"], "all")?;
        one_of(
            self.r,
            "scope",
            &["created_by_me", "assigned_to_me", "all"],
            "all",
        )?;
        let updated_after = time_param(self.r, "updated_after")?;
        let updated_before = time_param(self.r, "updated_before")?;
        let created_after = time_param(self.r, "created_after")?;
        let created_before = time_param(self.r, "created_before")?;
        if self.r.query.has("milestone") && self.r.query.has("milestone_id") {
            return Err(grape_error(
                400,
                "milestone, milestone_id are mutually exclusive",
            ));
        }
        let iids: Vec<u64> = self
            .r
            .query
            .all("iids")
            .iter()
            .filter_map(|v| v.parse().ok())
            .collect();
        let labels: Vec<String> = self
            .r
            .query
            .get("labels")
            .map(|l| l.split(',').map(str::to_owned).collect())
            .unwrap_or_default();
        // `search` looks in titles and descriptions (or where `in` says).
        let search = self.r.query.get("search").map(str::to_lowercase);
        let within = self
            .r
            .query
            .get("in")
            .unwrap_or("title,description")
            .to_owned();
        Ok(move |i: &GitlabIssue| {
            let closed = model::current(&i.history) == model::Step::Done;
            let state_ok = match state {
                "opened" => !closed,
                "closed" => closed,
                _ => true,
            };
            let mut have = i.labels.clone();
            have.extend(lookup::workflow_label(&i.history).map(str::to_owned));
            state_ok
                && updated_after.is_none_or(|t| i.updated_at >= t)
                && updated_before.is_none_or(|t| i.updated_at <= t)
                && created_after.is_none_or(|t| i.created_at >= t)
                && created_before.is_none_or(|t| i.created_at <= t)
                && (iids.is_empty() || iids.contains(&i.iid))
                && labels.iter().all(|l| have.contains(l))
                && search.as_ref().is_none_or(|s| {
                    (within.contains("title") && i.title.to_lowercase().contains(s))
                        || (within.contains("description")
                            && i.description.to_lowercase().contains(s))
                })
        })
    }

    fn issue_page(&self, mut issues: Vec<&GitlabIssue>, keyset_ok: bool) -> Result<Reply, Reply> {
        let order_by = one_of(self.r, "order_by", &ISSUE_ORDERS, "created_at")?;
        let explicit_sort = self.r.query.has("sort");
        let sort = one_of(self.r, "sort", &["asc", "desc"], "desc")?;
        let descending = sort == "desc";
        if self.r.query.get("pagination") == Some("keyset") {
            if !keyset_ok || !KEYSET_ISSUE_ORDERS.contains(&order_by) || !explicit_sort {
                return Err(grape_error(
                    405,
                    "Keyset pagination is not yet available for this type of request",
                ));
            }
            let keys: Vec<SortKey> = issues.iter().map(|i| issue_key(i, order_by)).collect();
            let (page, headers) =
                paging::keyset(&keys, &self.listing(false, "Issue"), order_by, descending)?;
            return Ok(value_list(
                page.iter().map(|n| self.ctx.issue(issues[*n])).collect(),
                headers,
            ));
        }
        issues.sort_by(|a, b| {
            let o = paging::compare(&issue_key(a, order_by), &issue_key(b, order_by));
            if descending { o.reverse() } else { o }
        });
        let (page, headers) = paging::offset(&issues, &self.listing(keyset_ok, "Issue"))?;
        Ok(value_list(
            page.iter().map(|n| self.ctx.issue(issues[*n])).collect(),
            headers,
        ))
    }

    /// `GET /projects/:id/issues`: offset or (18.3+) keyset pages.
    pub fn project_issues(&self, id: &str) -> Reply {
        let Some(project) = self.ctx.served.world.gitlab.project_by_ref(id) else {
            return not_found("Project");
        };
        let run = || -> Result<Reply, Reply> {
            let keep = self.issue_filter()?;
            let issues: Vec<&GitlabIssue> = self
                .ctx
                .served
                .gl_project_issues(project.id)
                .filter(|i| keep(i))
                .collect();
            self.issue_page(issues, true)
        };
        run().unwrap_or_else(|e| e)
    }

    /// `GET /groups/:id/issues`: always with the subgroups' projects, no keyset (rules
    /// GL-ISS-1, U-G4, U-G6).
    pub fn group_issues(&self, id: &str) -> Reply {
        let gl = &self.ctx.served.world.gitlab;
        let Some(group) = gl.group_by_ref(id) else {
            return not_found("Group");
        };
        if let Some(e) = self.no_keyset() {
            return e;
        }
        let run = || -> Result<Reply, Reply> {
            let keep = self.issue_filter()?;
            let groups = gl.subtree(group.id);
            let issues: Vec<&GitlabIssue> = gl
                .projects
                .iter()
                .filter(|p| groups.contains(&p.group_id))
                .flat_map(|p| self.ctx.served.gl_project_issues(p.id))
                .filter(|i| keep(i))
                .collect();
            self.issue_page(issues, false)
        };
        run().unwrap_or_else(|e| e)
    }

    /// Per-issue lists: resource events (offset pages, id order; rules GL-RE-1..6), links (the
    /// whole list, no pagination headers; rule GL-LNK-1..4) and notes.
    pub fn issue_sub(&self, i: &GitlabIssue, sub: &str) -> Reply {
        if sub != "links"
            && sub != "notes"
            && let Some(e) = self.no_keyset()
        {
            return e;
        }
        let gl = &self.ctx.served.world.gitlab;
        let run = || -> Result<Reply, Reply> {
            let items: Vec<Value> = match sub {
                "resource_state_events" => state_events(i)
                    .0
                    .iter()
                    .map(|e| self.ctx.state_event(i, e))
                    .collect(),
                "resource_label_events" => state_events(i)
                    .1
                    .iter()
                    .map(|e| self.ctx.label_event(i, e))
                    .collect(),
                "resource_milestone_events" => i
                    .milestone_id
                    .and_then(|m| gl.milestone(m))
                    .map(|m| {
                        self.ctx
                            .timebox_event(i, "milestone", &self.ctx.milestone(m))
                    })
                    .into_iter()
                    .collect(),
                "resource_iteration_events" if !self.ctx.free => i
                    .iteration_id
                    .and_then(|x| gl.iteration(x))
                    .map(|x| {
                        self.ctx
                            .timebox_event(i, "iteration", &self.ctx.iteration(x))
                    })
                    .into_iter()
                    .collect(),
                "links" => return Ok(Reply::ok(&Value::Array(self.links(i)))),
                "notes" => i.comments.iter().map(|c| self.ctx.note(i, c)).collect(),
                _ => Vec::new(),
            };
            let (page, headers) = paging::offset(&items, &self.listing(false, "ResourceEvent"))?;
            Ok(value_list(
                page.iter().map(|n| items[*n].clone()).collect(),
                headers,
            ))
        };
        run().unwrap_or_else(|e| e)
    }

    /// Linked issues, each with the link's id and type as seen from `i`, oldest link first.
    fn links(&self, i: &GitlabIssue) -> Vec<Value> {
        let served = self.ctx.served;
        let mut links: Vec<_> = served.gl_links_of(i.id).collect();
        links.sort_by_key(|l| (l.created_at, l.id));
        links
            .into_iter()
            .filter_map(|l| {
                let (other, outward) = if l.source_issue_id == i.id {
                    (l.target_issue_id, true)
                } else {
                    (l.source_issue_id, false)
                };
                let other = served.gl_issue(other)?;
                let mut v = self.ctx.issue(other);
                v["issue_link_id"] = json!(l.id);
                v["link_type"] = json!(match (l.link_type, outward) {
                    (GitlabLinkType::RelatesTo, _) => "relates_to",
                    (GitlabLinkType::Blocks, true) => "blocks",
                    (GitlabLinkType::Blocks, false) => "is_blocked_by",
                });
                v["link_created_at"] = super::render::time(l.created_at);
                v["link_updated_at"] = super::render::time(l.created_at);
                Some(v)
            })
            .collect()
    }

    pub fn find_epic(&self, group: &str, iid: &str) -> Result<&Epic, Reply> {
        if let Some(e) = self.free_403() {
            return Err(e);
        }
        let gl = &self.ctx.served.world.gitlab;
        let group = gl.group_by_ref(group).ok_or_else(|| not_found("Group"))?;
        let iid: u64 = iid.parse().map_err(|_| not_found("Epic"))?;
        gl.epics
            .iter()
            .find(|e| e.group_id == group.id && e.iid == iid)
            .ok_or_else(|| not_found("Epic"))
    }

    /// `GET /groups/:id/epics`: the group's epics and (by default) its descendants' (rules
    /// GL-EP-1..5); offset pages of 20 by default.
    pub fn epics(&self, id: &str) -> Reply {
        if let Some(e) = self.free_403().or_else(|| self.no_keyset()) {
            return e;
        }
        let gl = &self.ctx.served.world.gitlab;
        let Some(group) = gl.group_by_ref(id) else {
            return not_found("Group");
        };
        let run = || -> Result<Reply, Reply> {
            let state = one_of(self.r, "state", &["opened", "closed", "all"], "all")?;
            let order_by = one_of(
                self.r,
                "order_by",
                &["created_at", "updated_at", "title"],
                "created_at",
            )?;
            let sort = one_of(self.r, "sort", &["asc", "desc"], "desc")?;
            let descendants = bool_param(self.r, "include_descendant_groups", true)?;
            let ancestors = bool_param(self.r, "include_ancestor_groups", false)?;
            let updated_after = time_param(self.r, "updated_after")?;
            let updated_before = time_param(self.r, "updated_before")?;
            let mut groups = if descendants {
                gl.subtree(group.id)
            } else {
                vec![group.id]
            };
            if ancestors {
                let mut up = group.parent_id;
                while let Some(g) = up {
                    groups.push(g);
                    up = gl.group(g).and_then(|x| x.parent_id);
                }
            }
            let mut epics: Vec<&Epic> = gl
                .epics
                .iter()
                .filter(|e| groups.contains(&e.group_id))
                .filter(|e| match state {
                    "opened" => e.closed_at.is_none(),
                    "closed" => e.closed_at.is_some(),
                    _ => true,
                })
                .filter(|e| updated_after.is_none_or(|t| e.updated_at >= t))
                .filter(|e| updated_before.is_none_or(|t| e.updated_at <= t))
                .collect();
            epics.sort_by(|a, b| {
                let o = match order_by {
                    "updated_at" => a.updated_at.cmp(&b.updated_at),
                    "title" => a.title.cmp(&b.title),
                    _ => a.created_at.cmp(&b.created_at),
                }
                .then(a.id.cmp(&b.id));
                if sort == "desc" { o.reverse() } else { o }
            });
            let (page, headers) = paging::offset(&epics, &self.listing(false, "Epic"))?;
            Ok(value_list(
                page.iter().map(|n| self.ctx.epic(epics[*n])).collect(),
                headers,
            ))
        };
        run().unwrap_or_else(|e| e)
    }

    /// Rule GL-EP-6: the epic's issues, each with `epic_issue_id`.
    pub fn epic_issues(&self, e: &Epic) -> Reply {
        let issues: Vec<&GitlabIssue> = self
            .ctx
            .served
            .world
            .gitlab
            .issues
            .iter()
            .filter(|i| i.epic_id == Some(e.id))
            .collect();
        let run = || -> Result<Reply, Reply> {
            let (page, headers) = paging::offset(&issues, &self.listing(false, "Issue"))?;
            Ok(value_list(
                page.iter()
                    .map(|n| {
                        let mut v = self.ctx.issue(issues[*n]);
                        v["epic_issue_id"] = json!(issues[*n].id + 500_000);
                        v
                    })
                    .collect(),
                headers,
            ))
        };
        run().unwrap_or_else(|e| e)
    }

    /// Iterations of a group (with its ancestors' by default) or of a project's groups (rule
    /// GL-IT-1; `started` is the deprecated name of `current`).
    pub fn iterations(&self, of_group: bool, id: &str) -> Reply {
        if let Some(e) = self.free_403().or_else(|| self.no_keyset()) {
            return e;
        }
        let gl = &self.ctx.served.world.gitlab;
        let start = if of_group {
            gl.group_by_ref(id).map(|g| g.id)
        } else {
            gl.project_by_ref(id).map(|p| p.group_id)
        };
        let Some(start) = start else {
            return not_found(if of_group { "Group" } else { "Project" });
        };
        let run = || -> Result<Reply, Reply> {
            let state = one_of(
                self.r,
                "state",
                &["opened", "upcoming", "current", "started", "closed", "all"],
                "all",
            )?;
            let ancestors = bool_param(self.r, "include_ancestors", true)?;
            let descendants = bool_param(self.r, "include_descendants", false)?;
            let mut groups = vec![start];
            if ancestors {
                let mut up = gl.group(start).and_then(|g| g.parent_id);
                while let Some(g) = up {
                    groups.push(g);
                    up = gl.group(g).and_then(|x| x.parent_id);
                }
            }
            if descendants {
                groups.extend(gl.subtree(start));
            }
            let today = self.ctx.today;
            let items: Vec<_> = gl
                .iterations
                .iter()
                .filter(|i| groups.contains(&i.group_id))
                .filter(|i| {
                    let s = lookup::iteration_state(i, today);
                    match state {
                        "opened" => s != 3,
                        "upcoming" => s == 1,
                        "current" | "started" => s == 2,
                        "closed" => s == 3,
                        _ => true,
                    }
                })
                .collect();
            let (page, headers) = paging::offset(&items, &self.listing(false, "Iteration"))?;
            Ok(value_list(
                page.iter().map(|n| self.ctx.iteration(items[*n])).collect(),
                headers,
            ))
        };
        run().unwrap_or_else(|e| e)
    }

    /// Milestones of a project (with its groups' when `include_ancestors`) or of a group;
    /// `state` is `active` or `closed`, never `opened` (rules GL-MS-1, U-G7).
    pub fn milestones(&self, of_group: bool, id: &str) -> Reply {
        if let Some(e) = self.no_keyset() {
            return e;
        }
        let gl = &self.ctx.served.world.gitlab;
        let run = || -> Result<Reply, Reply> {
            let state = one_of(self.r, "state", &["active", "closed", "all"], "all")?;
            let ancestors = bool_param(self.r, "include_ancestors", false)?;
            let owners: Vec<MilestoneOwner> = if of_group {
                let g = gl.group_by_ref(id).ok_or_else(|| not_found("Group"))?;
                vec![MilestoneOwner::Group(g.id)]
            } else {
                let p = gl.project_by_ref(id).ok_or_else(|| not_found("Project"))?;
                let mut o = vec![MilestoneOwner::Project(p.id)];
                if ancestors {
                    o.extend(
                        gl.ancestors_of_project(p.id)
                            .into_iter()
                            .map(MilestoneOwner::Group),
                    );
                }
                o
            };
            let items: Vec<_> = gl
                .milestones
                .iter()
                .filter(|m| owners.contains(&m.owner))
                .filter(|m| match state {
                    "active" => !m.closed,
                    "closed" => m.closed,
                    _ => true,
                })
                .collect();
            let (page, headers) = paging::offset(&items, &self.listing(false, "Milestone"))?;
            Ok(value_list(
                page.iter().map(|n| self.ctx.milestone(items[*n])).collect(),
                headers,
            ))
        };
        run().unwrap_or_else(|e| e)
    }
}
