use std::collections::BTreeSet;

use serde_json::Value;

use super::{fixture_json, gitlab, link};
use crate::roundtrip::world;
use crate::sim::{Fault, Options, Simulator};

async fn sim(gitlab: usize) -> Simulator {
    let s = Simulator::start(world(gitlab, 0)).await;
    s.set_now(crate::common::now());
    s
}

/// Follows `Link: rel="next"` to the end; returns every item and the pages' answers.
async fn all_pages(s: &Simulator, first: &str) -> (Vec<Value>, Vec<super::Answer>) {
    let mut items = Vec::new();
    let mut answers = Vec::new();
    let mut next = Some(format!("{}{first}", s.gitlab_url));
    while let Some(url) = next {
        let a = super::send(
            reqwest::Client::new()
                .get(url)
                .header("PRIVATE-TOKEN", "glpat-simulated"),
        )
        .await;
        assert_eq!(a.status, 200, "{}", a.text);
        items.extend(a.json().as_array().cloned().unwrap_or_default());
        next = link(&a, "next");
        answers.push(a);
        assert!(answers.len() < 500, "pages never end");
    }
    (items, answers)
}

#[tokio::test]
async fn offset_pages_carry_the_documented_headers_and_clamp_per_page() {
    let s = sim(300).await;
    let a = gitlab(&s, "/api/v4/projects/acme%2Fbackend/issues?per_page=500").await;
    // Rule GL-PAG-2: more than 100 is clamped silently.
    assert_eq!(a.status, 200);
    assert_eq!(a.header("x-per-page"), Some("100"));
    let total: usize = a
        .header("x-total")
        .expect("x-total")
        .parse()
        .expect("number");
    assert!(total > 0 && a.json().as_array().expect("list").len() == total.min(100));
    // The documented headers (captured `offset-pagination.response-headers.http`).
    for h in [
        "x-page",
        "x-per-page",
        "x-next-page",
        "x-prev-page",
        "x-total",
        "x-total-pages",
        "link",
    ] {
        assert!(a.headers.contains_key(h), "{h}");
    }
    let (items, pages) = all_pages(&s, "/api/v4/projects/acme%2Fbackend/issues?per_page=20").await;
    assert_eq!(items.len(), total);
    let last = pages.last().expect("a page");
    assert_eq!(
        last.header("x-next-page"),
        Some(""),
        "present but empty on the last page"
    );
    assert!(link(last, "last").is_some() && link(last, "next").is_none());
    let zero = gitlab(&s, "/api/v4/projects/acme%2Fbackend/issues?per_page=0").await;
    assert_eq!(
        (zero.status, zero.json()["error"].as_str()),
        (400, Some("per_page does not have a valid value"))
    );
}

#[tokio::test]
async fn above_ten_thousand_records_the_totals_are_left_out() {
    let s = sim(10_200).await;
    let a = gitlab(&s, "/api/v4/groups/acme/issues?per_page=100").await;
    assert_eq!(a.status, 200);
    assert!(a.header("x-total").is_none() && a.header("x-total-pages").is_none());
    assert!(link(&a, "last").is_none() && link(&a, "next").is_some());
    assert_eq!(a.header("x-next-page"), Some("2"));
}

#[tokio::test]
async fn offsets_past_the_limit_are_refused_where_keyset_exists() {
    let s = Simulator::start_with(
        world(300, 0),
        Options {
            offset_limit: 40,
            ..Options::default()
        },
    )
    .await;
    let a = gitlab(&s, "/api/v4/projects/101/issues?per_page=20&page=3").await;
    assert_eq!(a.status, 405);
    assert!(
        a.json()["error"]
            .as_str()
            .is_some_and(|e| e.contains("maximum allowed offset of 40")),
        "{}",
        a.text
    );
    let ok = gitlab(
        &s,
        "/api/v4/groups/acme/projects?include_subgroups=true&per_page=2&page=3",
    )
    .await;
    assert_eq!(
        ok.status, 200,
        "group projects page by offset without a limit"
    );
}

#[tokio::test]
async fn keyset_pages_end_with_an_empty_page_without_a_link() {
    let s = sim(300).await;
    let (items, pages) = all_pages(
        &s,
        "/api/v4/projects/acme%2Fbackend/issues?pagination=keyset&order_by=updated_at&sort=asc&per_page=20",
    )
    .await;
    let last = pages.last().expect("pages");
    assert_eq!(last.text, "[]");
    assert!(last.header("link").is_none() && last.header("x-total").is_none());
    let offset = gitlab(
        &s,
        "/api/v4/projects/acme%2Fbackend/issues?per_page=100&order_by=updated_at&sort=asc",
    )
    .await;
    let want: Vec<Value> = offset
        .json()
        .as_array()
        .expect("list")
        .iter()
        .map(|i| i["id"].clone())
        .collect();
    let got: Vec<Value> = items.iter().map(|i| i["id"].clone()).collect();
    assert_eq!(got, want, "the same issues in the same order");
    // Mandatory sort, supported order, supported resource (rules GL-KEY-1, GL-KEY-4, GL-KEY-5).
    for path in [
        "/api/v4/projects/101/issues?pagination=keyset&order_by=updated_at",
        "/api/v4/projects/101/issues?pagination=keyset&order_by=popularity&sort=asc",
        "/api/v4/groups/acme/issues?pagination=keyset&order_by=updated_at&sort=asc",
        "/api/v4/groups/acme/epics?pagination=keyset&order_by=updated_at&sort=asc",
    ] {
        assert_eq!(gitlab(&s, path).await.status, 405, "{path}");
    }
    let next = link(&pages[0], "next").expect("next");
    let replay = next.replace("sort=asc", "sort=desc");
    let a = super::send(
        reqwest::Client::new()
            .get(replay)
            .header("PRIVATE-TOKEN", "glpat-simulated"),
    )
    .await;
    assert_eq!(a.status, 400, "a cursor is bound to its ordering");
}

#[tokio::test]
async fn group_issues_include_the_subgroups_projects() {
    let s = sim(300).await;
    let (items, _) = all_pages(&s, "/api/v4/groups/acme/issues?per_page=100").await;
    let projects: BTreeSet<u64> = items
        .iter()
        .filter_map(|i| i["project_id"].as_u64())
        .collect();
    assert!(
        projects.contains(&104) && projects.contains(&105),
        "{projects:?}"
    );
    assert_eq!(items.len(), s.world(|w| w.gitlab.issues.len()));
}

#[tokio::test]
async fn epics_live_in_groups_and_issues_point_at_them_by_path() {
    let s = sim(300).await;
    let (epics, _) = all_pages(&s, "/api/v4/groups/acme/epics?per_page=100").await;
    assert_eq!(
        epics.len(),
        s.world(|w| w.gitlab.epics.len()),
        "descendant groups' epics by default"
    );
    assert!(epics.iter().all(|e| {
        let full = e["references"]["full"].as_str().unwrap_or("");
        (full.starts_with("acme&") || full.starts_with("acme/platform&"))
            && e["web_url"]
                .as_str()
                .is_some_and(|u| u.starts_with("http://127.0.0.1"))
    }));
    let (issues, _) = all_pages(&s, "/api/v4/projects/101/issues?per_page=100").await;
    let with_epic = issues
        .iter()
        .find(|i| i["epic"].is_object())
        .expect("an issue in an epic");
    assert!(
        with_epic["epic"]["url"]
            .as_str()
            .is_some_and(|u| u.starts_with("/groups/")),
        "a path, not a URL"
    );
    let own: Vec<Value> = all_pages(
        &s,
        "/api/v4/groups/acme/epics?include_descendant_groups=false&per_page=100",
    )
    .await
    .0;
    assert!(own.len() < epics.len());
}

#[tokio::test]
async fn issues_keep_the_captured_shape_and_premium_keys() {
    let s = sim(100).await;
    let captured = fixture_json("gitlab/issue.full-modern.go-gitlab.json");
    let served = gitlab(&s, "/api/v4/projects/acme%2Fbackend/issues/1")
        .await
        .json();
    for key in captured.as_object().expect("object").keys() {
        assert!(served.get(key).is_some(), "{key}");
    }
    for key in [
        "weight",
        "epic",
        "iteration",
        "references",
        "moved_to_id",
        "issue_type",
    ] {
        assert!(served.get(key).is_some(), "{key}");
    }
    let free = Simulator::start_with(
        world(100, 0),
        Options {
            gitlab_free: true,
            ..Options::default()
        },
    )
    .await;
    let plain = gitlab(&free, "/api/v4/projects/101/issues/1").await.json();
    assert!(
        plain.get("weight").is_none()
            && plain.get("epic").is_none()
            && plain.get("iteration").is_none()
    );
    assert_eq!(gitlab(&free, "/api/v4/groups/acme/epics").await.status, 403);
}

#[tokio::test]
async fn iterations_have_integer_states_and_automatic_ones_no_title() {
    let s = sim(50).await;
    let (its, _) = all_pages(&s, "/api/v4/groups/acme%2Fplatform/iterations?per_page=100").await;
    assert!(
        its.iter()
            .all(|i| matches!(i["state"].as_u64(), Some(1..=3)))
    );
    assert!(
        its.iter()
            .any(|i| i["title"].is_null() && i["group_id"] == 11),
        "the platform cadence"
    );
    assert!(
        its.iter().any(|i| i["group_id"] == 10),
        "an ancestor's by default"
    );
    let current = gitlab(
        &s,
        "/api/v4/groups/acme/iterations?state=current&include_ancestors=false",
    )
    .await
    .json();
    assert_eq!(current.as_array().map(Vec::len), Some(1));
    let opened = gitlab(&s, "/api/v4/projects/101/milestones?state=opened").await;
    assert_eq!(opened.status, 400, "milestones are active or closed");
}

#[tokio::test]
async fn events_and_links_follow_their_documented_forms() {
    let s = sim(300).await;
    let (id, project, iid, blocked) = s.world(|w| {
        let l = w
            .gitlab
            .links
            .iter()
            .find(|l| l.link_type == sprintdeck::demo::teams::model::GitlabLinkType::Blocks)
            .expect("a blocking link");
        let a = w.gitlab.issue(l.source_issue_id).expect("source");
        (
            a.id,
            a.project_id,
            a.iid,
            w.gitlab
                .issue(l.target_issue_id)
                .map(|b| (b.project_id, b.iid)),
        )
    });
    let links = gitlab(
        &s,
        &format!("/api/v4/projects/{project}/issues/{iid}/links"),
    )
    .await;
    assert!(links.header("x-page").is_none(), "not paginated");
    assert!(
        links
            .json()
            .as_array()
            .expect("list")
            .iter()
            .any(|l| l["link_type"] == "blocks")
    );
    let (bp, biid) = blocked.expect("target");
    let back = gitlab(&s, &format!("/api/v4/projects/{bp}/issues/{biid}/links"))
        .await
        .json();
    assert!(
        back.as_array()
            .expect("list")
            .iter()
            .any(|l| l["link_type"] == "is_blocked_by" && l["id"] == id)
    );
    let closed = s.world(|w| {
        w.gitlab
            .issues
            .iter()
            .find(|i| {
                i.history
                    .iter()
                    .any(|c| c.to == sprintdeck::demo::teams::model::Step::Done)
            })
            .map(|i| (i.project_id, i.iid, i.id))
            .expect("a closed issue")
    });
    let events = gitlab(
        &s,
        &format!(
            "/api/v4/projects/{}/issues/{}/resource_state_events",
            closed.0, closed.1
        ),
    )
    .await;
    let list = events.json();
    assert!(events.header("x-total").is_some(), "paginated");
    assert!(
        list.as_array()
            .expect("list")
            .iter()
            .all(|e| e["state"] != "opened" && e["resource_id"] == closed.2)
    );
}

#[tokio::test]
async fn errors_have_gitlabs_bodies() {
    let s = sim(30).await;
    let check = |a: super::Answer, status: u16, key: &str, text: &str| {
        assert_eq!(a.status, status, "{}", a.text);
        assert_eq!(a.json()[key].as_str(), Some(text), "{}", a.text);
    };
    check(
        gitlab(&s, "/api/v4/nothing/here").await,
        404,
        "error",
        "404 Not Found",
    );
    check(
        gitlab(&s, "/api/v4/projects/acme%2Fnope").await,
        404,
        "message",
        "404 Project Not Found",
    );
    check(
        gitlab(&s, "/api/v4/projects/101/issues/99999").await,
        404,
        "message",
        "404 Not found",
    );
    check(
        gitlab(&s, "/api/v4/projects/101/issues?state=open").await,
        400,
        "error",
        "state does not have a valid value",
    );
    let anonymous =
        super::send(reqwest::Client::new().get(format!("{}/api/v4/user", s.gitlab_url))).await;
    check(anonymous, 401, "message", "401 Unauthorized");
    s.inject(Fault::rate_limited(7).gitlab());
    let limited = gitlab(&s, "/api/v4/user").await;
    assert_eq!(
        (limited.status, limited.text.as_str()),
        (429, "Retry later\n")
    );
    assert_eq!(limited.header("retry-after"), Some("7"));
    for h in [
        "ratelimit-limit",
        "ratelimit-remaining",
        "ratelimit-reset",
        "ratelimit-resettime",
    ] {
        assert!(limited.headers.contains_key(h), "{h}");
    }
    assert!(
        limited
            .header("ratelimit-reset")
            .and_then(|v| v.parse::<i64>().ok())
            .is_some_and(|t| t > 1_700_000_000),
        "Unix time"
    );
    s.inject(Fault::truncated().gitlab());
    let cut = gitlab(&s, "/api/v4/projects/101/issues").await;
    assert_eq!(cut.status, 200);
    assert!(
        serde_json::from_str::<Value>(&cut.text).is_err(),
        "cut mid-JSON"
    );
    assert_eq!(s.log().with_status(429).len(), 1);
}

#[tokio::test]
async fn a_moved_issue_stays_closed_where_it_was_and_a_deleted_one_is_gone() {
    let s = sim(100).await;
    let (old, deleted) = s.world(|w| {
        let mut open = w
            .gitlab
            .issues
            .iter()
            .filter(|i| {
                sprintdeck::demo::teams::model::current(&i.history)
                    != sprintdeck::demo::teams::model::Step::Done
                    && i.project_id == 101
            })
            .map(|i| w.gitlab.key(i));
        (open.next().expect("one"), open.next().expect("two"))
    });
    let at = crate::common::now();
    let new = s.mutate(|w| {
        assert!(w.delete_gitlab(&deleted));
        w.move_gitlab(&old, at, "acme/frontend").expect("moved")
    });
    let iid = old.rsplit('#').next().expect("iid");
    let original = gitlab(&s, &format!("/api/v4/projects/101/issues/{iid}"))
        .await
        .json();
    assert_eq!(original["state"], "closed");
    let new_iid = new.rsplit('#').next().expect("iid");
    let copy = gitlab(&s, &format!("/api/v4/projects/102/issues/{new_iid}"))
        .await
        .json();
    assert_eq!(original["moved_to_id"], copy["id"]);
    assert_ne!(original["id"], copy["id"]);
    let gone_iid = deleted.rsplit('#').next().expect("iid");
    assert_eq!(
        gitlab(&s, &format!("/api/v4/projects/101/issues/{gone_iid}"))
            .await
            .status,
        404
    );
    assert_eq!(
        gitlab(
            &s,
            &format!("/api/v4/projects/101/issues/{gone_iid}/resource_state_events")
        )
        .await
        .status,
        404
    );
}

#[tokio::test]
async fn milestones_and_notes_keep_the_captured_shapes() {
    let s = sim(300).await;
    let keys = |v: &Value| -> BTreeSet<String> {
        v.get(0)
            .and_then(Value::as_object)
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default()
    };
    let group = gitlab(&s, "/api/v4/groups/acme/milestones").await.json();
    let captured = fixture_json("gitlab/group-milestones.list.narkoz.json");
    // The 2012 capture's `closed` flag is today's `state` (rule GL-ISS-11).
    let want: BTreeSet<String> = keys(&captured)
        .into_iter()
        .filter(|k| k != "closed")
        .collect();
    assert!(
        want.is_subset(&keys(&group)),
        "{want:?} vs {:?}",
        keys(&group)
    );
    assert!(group[0].get("project_id").is_none() && group[0]["group_id"] == 10);
    let project = gitlab(&s, "/api/v4/projects/101/milestones").await.json();
    assert!(keys(&fixture_json("gitlab/milestones.list.drone.json")).is_subset(&keys(&project)));
    let (project_id, iid) = s.world(|w| {
        w.gitlab
            .issues
            .iter()
            .find(|i| !i.comments.is_empty())
            .map(|i| (i.project_id, i.iid))
            .expect("a comment")
    });
    let notes = gitlab(
        &s,
        &format!("/api/v4/projects/{project_id}/issues/{iid}/notes"),
    )
    .await
    .json();
    let want: BTreeSet<String> = keys(&fixture_json("gitlab/issue-notes.list.drone.json"))
        .into_iter()
        .filter(|k| k != "attachment")
        .collect();
    assert!(
        want.is_subset(&keys(&notes)),
        "{want:?} vs {:?}",
        keys(&notes)
    );
}

async fn write(s: &Simulator, method: reqwest::Method, path: &str, body: &Value) -> super::Answer {
    super::send(
        reqwest::Client::new()
            .request(method, format!("{}{path}", s.gitlab_url))
            .header("PRIVATE-TOKEN", "glpat-simulated")
            .json(body),
    )
    .await
}

#[tokio::test]
async fn writes_change_the_world_as_the_edit_api_says() {
    let s = sim(100).await;
    let (project, iid) = s.world(|w| {
        w.gitlab
            .issues
            .iter()
            .find(|i| {
                i.project_id == 101
                    && sprintdeck::demo::teams::model::current(&i.history)
                        == sprintdeck::demo::teams::model::Step::Todo
            })
            .map(|i| (i.project_id, i.iid))
            .expect("an open issue")
    });
    let path = format!("/api/v4/projects/{project}/issues/{iid}");
    let doing = write(
        &s,
        reqwest::Method::PUT,
        &path,
        &serde_json::json!({ "add_labels": "workflow::doing", "weight": 3 }),
    )
    .await;
    assert_eq!(doing.status, 200, "{}", doing.text);
    assert!(
        doing.json()["labels"]
            .as_array()
            .expect("labels")
            .iter()
            .any(|l| l == "workflow::doing")
    );
    let closed = write(
        &s,
        reqwest::Method::PUT,
        &path,
        &serde_json::json!({ "state_event": "close" }),
    )
    .await
    .json();
    assert_eq!(
        (closed["state"].as_str(), closed["weight"].as_u64()),
        (Some("closed"), Some(3))
    );
    let events = gitlab(&s, &format!("{path}/resource_label_events"))
        .await
        .json();
    assert!(
        events
            .as_array()
            .expect("list")
            .iter()
            .any(|e| e["label"]["name"] == "workflow::doing" && e["action"] == "add")
    );
    assert_eq!(
        write(
            &s,
            reqwest::Method::PUT,
            &path,
            &serde_json::json!({ "state_event": "shut" })
        )
        .await
        .status,
        400
    );
    let note = write(
        &s,
        reqwest::Method::POST,
        &format!("{path}/notes"),
        &serde_json::json!({ "body": "hello" }),
    )
    .await;
    assert_eq!(note.status, 201);
    let made = write(
        &s,
        reqwest::Method::POST,
        "/api/v4/projects/acme%2Fbackend/issues",
        &serde_json::json!({ "title": "New", "description": "marker-123" }),
    )
    .await;
    assert_eq!(made.status, 201);
    let found = gitlab(
        &s,
        "/api/v4/projects/acme%2Fbackend/issues?search=marker-123&in=description",
    )
    .await
    .json();
    assert_eq!(found.as_array().map(Vec::len), Some(1));
    assert_eq!(
        write(
            &s,
            reqwest::Method::POST,
            "/api/v4/projects/101/issues",
            &serde_json::json!({})
        )
        .await
        .status,
        400,
        "title is required"
    );
    let linked = write(&s, reqwest::Method::POST, &format!("{path}/links"), &serde_json::json!({ "target_project_id": "acme/frontend", "target_issue_iid": 1, "link_type": "blocks" })).await;
    assert_eq!(linked.status, 201, "{}", linked.text);
    let again = write(&s, reqwest::Method::POST, &format!("{path}/links"), &serde_json::json!({ "target_project_id": "acme/frontend", "target_issue_iid": 1, "link_type": "blocks" })).await;
    assert_eq!(again.status, 409);
    let links = gitlab(&s, &format!("{path}/links")).await.json();
    let id = links
        .as_array()
        .expect("list")
        .iter()
        .find(|l| l["link_type"] == "blocks" && l["iid"] == 1)
        .map(|l| l["issue_link_id"].clone())
        .expect("the link");
    let gone = write(
        &s,
        reqwest::Method::DELETE,
        &format!("{path}/links/{id}"),
        &Value::Null,
    )
    .await;
    assert_eq!(gone.status, 200);
}
