//! Enhanced JQL search with `nextPageToken`, the approximate count, bulk fetch and changelogs,
//! with the page caps and request limits of the Cloud platform spec.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use serde_json::{Map, Value, json};
use sprintdeck::demo::teams::lookup;
use sprintdeck::demo::teams::model::JiraIssue;

use super::super::wire::{Reply, token, untoken};
use super::super::{LastToken, Request, Shared};
use super::jql::{self, Eval};
use super::render::{Ctx, FieldSel};
use super::{error, no_issue};

fn hash(parts: &impl Hash) -> u64 {
    let mut h = DefaultHasher::new();
    parts.hash(&mut h);
    h.finish()
}

/// A request body as a JSON object whose keys are all known (the request beans are
/// `additionalProperties: false` in the spec).
fn body(r: &Request, allowed: &[&str]) -> Result<Map<String, Value>, Reply> {
    let v: Value = serde_json::from_slice(&r.body)
        .map_err(|_| error(400, "Unexpected character in the request body: not JSON."))?;
    let Value::Object(map) = v else {
        return Err(error(400, "The request body must be a JSON object."));
    };
    if let Some(k) = map.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(error(400, &format!("Unrecognized field \"{k}\".")));
    }
    Ok(map)
}

fn strings(v: Option<&Value>, what: &str) -> Result<Vec<String>, Reply> {
    match v {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(list)) => list
            .iter()
            .map(|x| {
                x.as_str()
                    .map(str::to_owned)
                    .or_else(|| x.as_u64().map(|n| n.to_string()))
                    .ok_or_else(|| error(400, &format!("{what} must be a list of strings.")))
            })
            .collect(),
        Some(_) => Err(error(400, &format!("{what} must be a list of strings."))),
    }
}

fn max_results(v: Option<&Value>, default: usize, max: usize) -> Result<usize, Reply> {
    match v {
        None | Some(Value::Null) => Ok(default),
        Some(x) => match x.as_u64() {
            Some(n) if n >= 1 => Ok(usize::try_from(n).unwrap_or(max).min(max)),
            _ => Err(error(400, "maxResults must be a positive number.")),
        },
    }
}

struct SearchRequest {
    jql: String,
    token: Option<String>,
    max: usize,
    fields: Vec<String>,
}

/// `POST` body or `GET` query of `/rest/api/3/search/jql` (rule JR-SRCH-1): `expand` is a
/// string here, never an array (rule U-J5); there is no `startAt`.
fn search_request(r: &Request) -> Result<SearchRequest, Reply> {
    if r.method == axum::http::Method::POST {
        let b = body(
            r,
            &[
                "jql",
                "nextPageToken",
                "maxResults",
                "fields",
                "expand",
                "properties",
                "fieldsByKeys",
                "reconcileIssues",
            ],
        )?;
        if b.get("expand").is_some_and(|e| !e.is_string()) {
            return Err(error(400, "expand must be a comma-separated string."));
        }
        if b.get("reconcileIssues")
            .and_then(Value::as_array)
            .is_some_and(|l| l.len() > 50)
        {
            return Err(error(400, "reconcileIssues accepts at most 50 ids."));
        }
        Ok(SearchRequest {
            jql: b
                .get("jql")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned(),
            token: b
                .get("nextPageToken")
                .and_then(Value::as_str)
                .map(str::to_owned),
            max: max_results(b.get("maxResults"), 50, 5000)?,
            fields: strings(b.get("fields"), "fields")?,
        })
    } else {
        let q = &r.query;
        let max = match q.get("maxResults") {
            None => 50,
            Some(v) => v
                .parse::<usize>()
                .ok()
                .filter(|n| *n >= 1)
                .ok_or_else(|| error(400, "maxResults must be a positive number."))?,
        };
        Ok(SearchRequest {
            jql: q.get("jql").unwrap_or("").to_owned(),
            token: q.get("nextPageToken").map(str::to_owned),
            max: max.min(5000),
            fields: q.all("fields").iter().map(|s| (*s).to_owned()).collect(),
        })
    }
}

/// The issues a JQL finds, in its order.
fn run(ctx: &Ctx<'_>, text: &str) -> Result<Vec<u64>, Reply> {
    let parsed = jql::parse(text).map_err(|e| error(400, &e))?;
    let eval = Eval {
        served: ctx.served,
        now: ctx.now,
        me: None,
    };
    let expr = parsed
        .expr
        .as_ref()
        .ok_or_else(|| error(400, "Unbounded JQL queries are not allowed here."))?;
    eval.check(expr).map_err(|e| error(400, &e))?;
    let mut hits: Vec<&JiraIssue> = ctx
        .served
        .world
        .jira
        .issues
        .iter()
        .filter(|i| eval.matches(expr, i))
        .collect();
    let mut failure = None;
    hits.sort_by(|a, b| {
        Eval::order(&parsed.order, a, b).unwrap_or_else(|e| {
            failure = Some(e);
            std::cmp::Ordering::Equal
        })
    });
    if let Some(e) = failure {
        return Err(error(400, &e));
    }
    Ok(hits.into_iter().map(|i| i.id).collect())
}

/// `/rest/api/3/search/jql`. A page holds up to 5,000 issues only when nothing but `id`/`key`
/// is asked for, and at most 100 when fields are (rules JR-SRCH-3, JR-SRCH-4, U-J1;
/// confluence.atlassian.com/jirakb/changing-maxresults-parameter-for-jira-rest-api-779160706:
/// the endpoint lowers `maxResults`, clients page by what came back). The token is bound to
/// the query, fields and page size (rule U-J3); the last page has no token (rules JR-SRCH-2,
/// U-J2).
pub fn search(shared: &Shared, ctx: &Ctx<'_>, r: &Request) -> Reply {
    let go = || -> Result<Reply, Reply> {
        let req = search_request(r)?;
        let sel = FieldSel::parse(&req.fields, "id");
        let query = hash(&(&req.jql, &req.fields, req.max));
        let version = ctx.served.version;
        let offset = match &req.token {
            None => 0,
            Some(t) => {
                let v = untoken(t)
                    .filter(|v| v["q"] == json!(query))
                    .ok_or_else(|| error(400, "Invalid format of nextPageToken"))?;
                usize::try_from(v["o"].as_u64().unwrap_or(0)).unwrap_or(0)
            }
        };
        // One snapshot per query and world version: pages of one listing stay consistent.
        let cached = shared
            .searches
            .lock()
            .expect("lock")
            .get(&query)
            .filter(|(v, _)| *v == version)
            .map(|(_, ids)| ids.clone());
        let ids = if let Some(ids) = cached {
            ids
        } else {
            let ids = Arc::new(run(ctx, &req.jql)?);
            shared
                .searches
                .lock()
                .expect("lock")
                .insert(query, (version, ids.clone()));
            ids
        };
        let cap = if sel.ids_only { 5000 } else { 100 };
        let mut size = req.max.min(cap);
        if shared.options.random_page_sizes {
            size = 1 + usize::try_from(hash(&(query, offset)) % u64::try_from(size).unwrap_or(1))
                .unwrap_or(0);
        }
        let end = (offset + size).min(ids.len());
        let issues: Vec<Value> = ids[offset.min(end)..end]
            .iter()
            .filter_map(|id| ctx.served.jr_issue(*id))
            .map(|i| ctx.issue(i, &sel))
            .collect();
        let last = end >= ids.len();
        let mut answer = json!({ "issues": issues, "isLast": last });
        if last {
            match shared.options.last_token {
                LastToken::Omitted => {}
                LastToken::Null => answer["nextPageToken"] = Value::Null,
                LastToken::Empty => answer["nextPageToken"] = json!(""),
            }
        } else {
            answer["nextPageToken"] = json!(token(&json!({ "q": query, "o": end, "v": version })));
        }
        Ok(Reply::ok(&answer))
    };
    go().unwrap_or_else(|e| e)
}

/// `POST /rest/api/3/search/approximate-count` (rule JR-SRCH-11).
pub fn approximate_count(ctx: &Ctx<'_>, r: &Request) -> Reply {
    let go = || -> Result<Reply, Reply> {
        let b = body(r, &["jql"])?;
        let ids = run(ctx, b.get("jql").and_then(Value::as_str).unwrap_or(""))?;
        Ok(Reply::ok(&json!({ "count": ids.len() })))
    };
    go().unwrap_or_else(|e| e)
}

/// `POST /rest/api/3/issue/bulkfetch`: 1 to 100 ids or keys (rule JR-BULK-1); unknown ones
/// left out silently, moved ones found by their old key, answers in ascending id order (rules
/// JR-BULK-2, JR-BULK-3, U-J10).
pub fn bulk_fetch(ctx: &Ctx<'_>, r: &Request) -> Reply {
    let go = || -> Result<Reply, Reply> {
        let b = body(
            r,
            &[
                "issueIdsOrKeys",
                "fields",
                "expand",
                "properties",
                "fieldsByKeys",
            ],
        )?;
        if b.get("expand").is_some_and(|e| !e.is_array()) {
            return Err(error(400, "expand must be a list."));
        }
        let wanted = strings(b.get("issueIdsOrKeys"), "issueIdsOrKeys")?;
        if wanted.is_empty() || wanted.len() > 100 {
            return Err(error(400, "Provide between 1 and 100 issue IDs or keys."));
        }
        let sel = FieldSel::parse(&strings(b.get("fields"), "fields")?, "*navigable");
        let mut found: Vec<&JiraIssue> = wanted
            .iter()
            .filter_map(|k| ctx.served.jr_find(k))
            .collect();
        found.sort_by_key(|i| i.id);
        found.dedup_by_key(|i| i.id);
        let issues: Vec<Value> = found.iter().map(|i| ctx.issue(i, &sel)).collect();
        Ok(Reply::ok(
            &json!({ "expand": "schema,names", "issues": issues, "issueErrors": [] }),
        ))
    };
    go().unwrap_or_else(|e| e)
}

/// `POST /rest/api/3/changelog/bulkfetch`: 1 to 1,000 issues, up to 10 field ids,
/// `maxResults` 1 to 10,000 (default 1,000) histories per page, sorted by date and issue id
/// (rule JR-CL-1).
pub fn changelog_bulk(ctx: &Ctx<'_>, r: &Request) -> Reply {
    let go = || -> Result<Reply, Reply> {
        let b = body(
            r,
            &["issueIdsOrKeys", "fieldIds", "maxResults", "nextPageToken"],
        )?;
        let wanted = strings(b.get("issueIdsOrKeys"), "issueIdsOrKeys")?;
        if wanted.is_empty() || wanted.len() > 1000 {
            return Err(error(400, "Provide between 1 and 1000 issue IDs or keys."));
        }
        let field_ids = strings(b.get("fieldIds"), "fieldIds")?;
        let mut unique = field_ids.clone();
        unique.sort();
        unique.dedup();
        if field_ids.len() > 10 || unique.len() != field_ids.len() {
            return Err(error(400, "fieldIds takes up to 10 unique field ids."));
        }
        let max = max_results(b.get("maxResults"), 1000, 10_000)?;
        let query = hash(&(&wanted, &field_ids, max));
        let offset = match b.get("nextPageToken").and_then(Value::as_str) {
            None => 0,
            Some(t) => {
                let v = untoken(t)
                    .filter(|v| v["q"] == json!(query))
                    .ok_or_else(|| error(400, "Invalid format of nextPageToken"))?;
                usize::try_from(v["o"].as_u64().unwrap_or(0)).unwrap_or(0)
            }
        };
        let mut issues: Vec<&JiraIssue> = wanted
            .iter()
            .filter_map(|k| ctx.served.jr_find(k))
            .collect();
        issues.sort_by_key(|i| i.id);
        issues.dedup_by_key(|i| i.id);
        let keep =
            |it: &lookup::Item| field_ids.is_empty() || field_ids.iter().any(|f| f == it.field_id);
        let mut all: Vec<(chrono::DateTime<chrono::Utc>, u64, Value)> = Vec::new();
        for i in &issues {
            for h in lookup::changelog(&ctx.served.world, i) {
                if let Some(v) = ctx.history(&h, &keep) {
                    all.push((h.at, i.id, v));
                }
            }
        }
        all.sort_by_key(|(at, id, _)| (*at, *id));
        let total = all.len();
        let end = (offset + max).min(total);
        let mut logs: Vec<Value> = Vec::new();
        for (_, id, v) in all.drain(offset.min(end)..end) {
            match logs.last_mut() {
                Some(last) if last["issueId"] == json!(id.to_string()) => {
                    if let Some(list) = last["changeHistories"].as_array_mut() {
                        list.push(v);
                    }
                }
                _ => logs.push(json!({ "issueId": id.to_string(), "changeHistories": [v] })),
            }
        }
        let mut answer = json!({ "issueChangeLogs": logs });
        if end < total {
            answer["nextPageToken"] = json!(token(&json!({ "q": query, "o": end })));
        }
        Ok(Reply::ok(&answer))
    };
    go().unwrap_or_else(|e| e)
}

/// `GET /rest/api/3/issue/{key}/changelog`: oldest first, 100 per page at most (rule JR-CL-2).
pub fn changelog_page(ctx: &Ctx<'_>, r: &Request, key: &str) -> Reply {
    let Some(i) = ctx.served.jr_find(key) else {
        return no_issue();
    };
    let start: usize = r
        .query
        .get("startAt")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let max: usize = r
        .query
        .get("maxResults")
        .and_then(|v| v.parse().ok())
        .unwrap_or(100)
        .clamp(1, 100);
    let all: Vec<Value> = lookup::changelog(&ctx.served.world, i)
        .iter()
        .filter_map(|h| ctx.history(h, &|_| true))
        .collect();
    let end = (start + max).min(all.len());
    let values: Vec<Value> = all[start.min(end)..end].to_vec();
    let last = end >= all.len();
    let mut answer = json!({
        "self": format!("{}/rest/api/3/issue/{}/changelog?startAt={start}&maxResults={max}", ctx.base, i.key),
        "maxResults": max,
        "startAt": start,
        "total": all.len(),
        "isLast": last,
        "values": values,
    });
    if !last {
        answer["nextPage"] = json!(format!(
            "{}/rest/api/3/issue/{}/changelog?startAt={end}&maxResults={max}",
            ctx.base, i.key
        ));
    }
    Reply::ok(&answer)
}
