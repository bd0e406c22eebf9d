use std::collections::BTreeSet;

use serde_json::{Value, json};

use super::{fixture_json, jira_get, jira_post};
use crate::roundtrip::world;
use crate::sim::{Fault, LastToken, Options, Simulator};

async fn sim(jira: usize) -> Simulator {
    let s = Simulator::start(world(0, jira)).await;
    s.set_now(crate::common::now());
    s
}

const SCOPE: &str = "project in (BENCH, MOB) ORDER BY updated ASC";

/// Every page of a search, following the tokens.
async fn search_all(s: &Simulator, fields: Value, max: u64) -> (Vec<Value>, Vec<Value>) {
    let mut issues = Vec::new();
    let mut pages = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut body = json!({ "jql": SCOPE, "fields": fields, "maxResults": max });
        if let Some(t) = &token {
            body["nextPageToken"] = json!(t);
        }
        let page = jira_post(s, "/rest/api/3/search/jql", &body).await;
        assert_eq!(page.status, 200, "{}", page.text);
        let v = page.json();
        issues.extend(v["issues"].as_array().cloned().unwrap_or_default());
        token = v["nextPageToken"].as_str().map(str::to_owned);
        let last = v["isLast"].as_bool().expect("isLast");
        pages.push(v);
        assert_eq!(last, token.is_none(), "a token exactly when more follow");
        if last {
            return (issues, pages);
        }
    }
}

#[tokio::test]
async fn search_pages_hold_5000_ids_but_100_issues_with_fields() {
    let s = sim(320).await;
    let (ids, pages) = search_all(&s, json!(["id"]), 5000).await;
    assert_eq!(pages.len(), 1, "ids alone: one page");
    assert!(
        ids.iter().all(|i| i
            .as_object()
            .is_some_and(|o| o.len() == 1 && o.contains_key("id"))),
        "only ids"
    );
    let (with_fields, pages) = search_all(&s, json!(["updated"]), 5000).await;
    assert_eq!(
        pages.len(),
        with_fields.len().div_ceil(100),
        "100 a page once fields are asked"
    );
    assert_eq!(with_fields.len(), ids.len());
    assert!(
        with_fields
            .iter()
            .all(|i| i["key"].is_string() && i["fields"]["updated"].is_string())
    );
    let keys = jira_post(
        &s,
        "/rest/api/3/search/jql",
        &json!({ "jql": SCOPE, "fields": ["key"], "maxResults": 5000 }),
    )
    .await
    .json();
    assert!(keys["issues"][0]["key"].is_string() && keys["issues"][0].get("fields").is_none());
    let default = jira_post(&s, "/rest/api/3/search/jql", &json!({ "jql": SCOPE }))
        .await
        .json();
    assert_eq!(
        default["issues"].as_array().map(Vec::len),
        Some(50),
        "maxResults defaults to 50"
    );
    assert!(
        default["issues"][0].get("key").is_none(),
        "fields default to id"
    );
    assert!(
        pages
            .last()
            .is_some_and(|p| p.get("nextPageToken").is_none()),
        "no token on the last page"
    );
}

#[tokio::test]
async fn random_page_sizes_still_page_completely() {
    let s = Simulator::start_with(
        world(0, 300),
        Options {
            random_page_sizes: true,
            last_token: LastToken::Empty,
            ..Options::default()
        },
    )
    .await;
    let mut seen = BTreeSet::new();
    let mut token: Option<String> = None;
    let mut sizes = BTreeSet::new();
    loop {
        let mut body = json!({ "jql": SCOPE, "fields": ["updated"], "maxResults": 100 });
        if let Some(t) = &token {
            body["nextPageToken"] = json!(t);
        }
        let v = jira_post(&s, "/rest/api/3/search/jql", &body).await.json();
        let page = v["issues"].as_array().cloned().unwrap_or_default();
        sizes.insert(page.len());
        seen.extend(
            page.iter()
                .filter_map(|i| i["key"].as_str().map(str::to_owned)),
        );
        if v["isLast"] == json!(true) {
            assert_eq!(
                v["nextPageToken"],
                json!(""),
                "the configured last-page form"
            );
            break;
        }
        token = v["nextPageToken"].as_str().map(str::to_owned);
    }
    assert_eq!(seen.len(), s.world(|w| w.jira.issues.len()));
    assert!(sizes.len() > 2, "pages of many sizes: {sizes:?}");
}

#[tokio::test]
async fn search_refuses_what_cloud_refuses() {
    let s = sim(60).await;
    let bad = |body: Value| {
        let s = &s;
        async move { jira_post(s, "/rest/api/3/search/jql", &body).await }
    };
    let unbounded = bad(json!({ "jql": "ORDER BY updated" })).await;
    assert_eq!(unbounded.status, 400);
    assert!(
        unbounded.json()["errorMessages"][0]
            .as_str()
            .is_some_and(|m| m.starts_with("Unbounded JQL"))
    );
    assert_eq!(bad(json!({ "jql": "" })).await.status, 400);
    assert_eq!(bad(json!({ "jql": "sprintz = 1" })).await.status, 400);
    assert_eq!(bad(json!({ "jql": "project = NOPE" })).await.status, 400);
    assert_eq!(
        bad(json!({ "jql": "project = BENCH AND" })).await.status,
        400
    );
    assert_eq!(
        bad(json!({ "jql": SCOPE, "startAt": 50 })).await.status,
        400,
        "no startAt here"
    );
    assert_eq!(
        bad(json!({ "jql": SCOPE, "expand": ["names"] }))
            .await
            .status,
        400,
        "expand is a string"
    );
    let first = bad(json!({ "jql": SCOPE, "fields": ["updated"] }))
        .await
        .json();
    let token = first["nextPageToken"].as_str().expect("a token");
    let other =
        bad(json!({ "jql": "project = MOB", "fields": ["updated"], "nextPageToken": token })).await;
    assert_eq!(other.status, 400, "a token is bound to its query");
    // The retired search is gone (rule JR-OLD-2).
    for (method, path) in [
        ("GET", "/rest/api/3/search?jql=project%3DBENCH"),
        ("POST", "/rest/api/3/search"),
        ("GET", "/rest/api/2/search"),
    ] {
        let a = if method == "GET" {
            jira_get(&s, path).await
        } else {
            jira_post(&s, path, &json!({ "jql": "project = BENCH" })).await
        };
        assert_eq!(a.status, 410, "{method} {path}");
        assert!(a.text.contains("CHANGE-2046"));
    }
}

#[tokio::test]
async fn bulk_fetch_takes_up_to_100_in_id_order_and_follows_moves() {
    let s = sim(300).await;
    let keys: Vec<String> = s.world(|w| {
        w.jira
            .issues
            .iter()
            .rev()
            .take(101)
            .map(|i| i.key.clone())
            .collect()
    });
    let too_many = jira_post(
        &s,
        "/rest/api/3/issue/bulkfetch",
        &json!({ "issueIdsOrKeys": keys }),
    )
    .await;
    assert_eq!(too_many.status, 400);
    assert_eq!(
        jira_post(
            &s,
            "/rest/api/3/issue/bulkfetch",
            &json!({ "issueIdsOrKeys": [] })
        )
        .await
        .status,
        400
    );
    let old = keys[0].clone();
    let new = s.mutate(|w| {
        let to = if old.starts_with("BENCH") {
            "MOB"
        } else {
            "BENCH"
        };
        w.move_jira(&old, crate::common::now(), to)
    });
    let mut asked: Vec<String> = keys[1..40].to_vec();
    asked.push(old.to_lowercase());
    asked.push("NOPE-1".to_owned());
    let v = jira_post(
        &s,
        "/rest/api/3/issue/bulkfetch",
        &json!({ "issueIdsOrKeys": asked, "fields": ["summary"] }),
    )
    .await
    .json();
    let got: Vec<u64> = v["issues"]
        .as_array()
        .expect("issues")
        .iter()
        .filter_map(|i| i["id"].as_str()?.parse().ok())
        .collect();
    let mut sorted = got.clone();
    sorted.sort_unstable();
    assert_eq!(got, sorted, "ascending id order");
    assert_eq!(got.len(), 40, "the unknown key left out silently");
    if let Some(new) = new {
        assert!(
            v["issues"]
                .as_array()
                .expect("issues")
                .iter()
                .any(|i| i["key"] == json!(new)),
            "found by its old key"
        );
        let one = jira_get(&s, &format!("/rest/api/3/issue/{old}?fields=status"))
            .await
            .json();
        assert_eq!(one["key"], json!(new));
    }
    assert_eq!(v["issueErrors"], json!([]));
}

#[tokio::test]
async fn changelogs_in_bulk_page_by_history_and_filter_by_field() {
    let s = sim(300).await;
    let ids: Vec<String> = s.world(|w| w.jira.issues.iter().map(|i| i.id.to_string()).collect());
    let over: Vec<String> = (0..1001).map(|n| n.to_string()).collect();
    assert_eq!(
        jira_post(
            &s,
            "/rest/api/3/changelog/bulkfetch",
            &json!({ "issueIdsOrKeys": over })
        )
        .await
        .status,
        400
    );
    let eleven: Vec<String> = (0..11).map(|n| format!("f{n}")).collect();
    let a = jira_post(
        &s,
        "/rest/api/3/changelog/bulkfetch",
        &json!({ "issueIdsOrKeys": ids, "fieldIds": eleven }),
    )
    .await;
    assert_eq!(a.status, 400);
    let mut token: Option<String> = None;
    let mut histories = 0;
    let mut pages = 0;
    loop {
        let mut body = json!({ "issueIdsOrKeys": ids, "fieldIds": ["status"], "maxResults": 50 });
        if let Some(t) = &token {
            body["nextPageToken"] = json!(t);
        }
        let v = jira_post(&s, "/rest/api/3/changelog/bulkfetch", &body)
            .await
            .json();
        pages += 1;
        for log in v["issueChangeLogs"].as_array().expect("logs") {
            for h in log["changeHistories"].as_array().expect("histories") {
                histories += 1;
                assert!(
                    h["items"]
                        .as_array()
                        .expect("items")
                        .iter()
                        .all(|i| i["fieldId"] == "status")
                );
            }
        }
        token = v["nextPageToken"].as_str().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    let want = s.world(|w| w.jira.issues.iter().map(|i| i.history.len()).sum::<usize>());
    assert_eq!(histories, want, "one history per status change");
    assert_eq!(pages, want.div_ceil(50));
    let captured = fixture_json("jira/rest-api-3-issue-key-changelog.GET.200.json");
    let key = s
        .world(|w| {
            w.jira
                .issues
                .iter()
                .find(|i| i.history.len() > 2)
                .map(|i| i.key.clone())
        })
        .expect("a history");
    let page = jira_get(
        &s,
        &format!("/rest/api/3/issue/{key}/changelog?maxResults=2"),
    )
    .await
    .json();
    for k in captured.as_object().expect("object").keys() {
        assert!(page.get(k).is_some(), "{k}");
    }
    assert_eq!(page["isLast"], json!(false));
}

#[tokio::test]
async fn agile_pages_cap_at_50_and_boards_show_parallel_and_foreign_sprints() {
    let s = sim(300).await;
    let v = jira_get(&s, "/rest/agile/1.0/board/1/sprint?maxResults=100")
        .await
        .json();
    assert_eq!(v["maxResults"], json!(50));
    let sprints = v["values"].as_array().expect("values");
    let active: Vec<&Value> = sprints.iter().filter(|x| x["state"] == "active").collect();
    assert_eq!(
        active.len(),
        2,
        "parallel sprints on a company-managed board"
    );
    assert!(
        sprints
            .iter()
            .filter(|x| x["state"] == "future")
            .all(|x| x.get("startDate").is_none())
    );
    let states: Vec<&str> = sprints.iter().filter_map(|x| x["state"].as_str()).collect();
    let mut sorted = states.clone();
    sorted.sort_by_key(|s| match *s {
        "closed" => 0,
        "active" => 1,
        _ => 2,
    });
    assert_eq!(states, sorted, "closed, then active, then future");
    let mob = jira_get(&s, "/rest/agile/1.0/board/2/sprint").await.json();
    assert!(
        mob["values"]
            .as_array()
            .expect("values")
            .iter()
            .any(|x| x["originBoardId"] == json!(1)),
        "another board's sprint holding a MOB issue"
    );
    let second = jira_get(&s, "/rest/agile/1.0/board/1/sprint?startAt=2&maxResults=3")
        .await
        .json();
    assert!(second.get("total").is_none(), "total is optional");
    assert_eq!(second["isLast"], json!(false));
    let config = jira_get(&s, "/rest/agile/1.0/board/1/configuration")
        .await
        .json();
    let captured = fixture_json("jira/rest-agile-1.0-board-id-configuration.GET.200.json");
    for k in captured.as_object().expect("object").keys() {
        assert!(config.get(k).is_some(), "{k}");
    }
    assert_eq!(
        config["estimation"]["field"]["fieldId"],
        json!("customfield_10028")
    );
}

#[tokio::test]
async fn issues_keep_the_captured_shape_and_clouds_privacy() {
    let s = sim(300).await;
    let captured = fixture_json("jira/issue-cloud-2025-adf-sprint-timetracking.json");
    let (bench, mob) = s.world(|w| {
        let pick = |p: usize| {
            w.jira
                .issues
                .iter()
                .find(|i| i.project == p)
                .map(|i| i.key.clone())
                .expect("an issue")
        };
        (pick(0), pick(1))
    });
    let one = jira_get(&s, &format!("/rest/api/3/issue/{mob}"))
        .await
        .json();
    for k in [
        "summary",
        "status",
        "issuetype",
        "project",
        "reporter",
        "created",
        "updated",
        "customfield_10020",
        "customfield_10016",
    ] {
        assert!(
            captured["fields"].get(k).is_some() && one["fields"].get(k).is_some(),
            "{k}"
        );
    }
    let company = jira_get(&s, &format!("/rest/api/3/issue/{bench}"))
        .await
        .json();
    assert!(
        company["fields"].get("customfield_10016").is_none(),
        "not in a company-managed project's context"
    );
    assert!(company["fields"].get("customfield_10028").is_some());
    assert!(
        one["fields"]["description"].is_null() || one["fields"]["description"]["type"] == "doc",
        "ADF"
    );
    let v = jira_post(&s, "/rest/api/3/search/jql", &json!({ "jql": SCOPE, "fields": ["reporter", "assignee", "issuetype"], "maxResults": 100 })).await.json();
    let people: Vec<&Value> = v["issues"]
        .as_array()
        .expect("issues")
        .iter()
        .flat_map(|i| [&i["fields"]["reporter"], &i["fields"]["assignee"]])
        .filter(|u| u.is_object())
        .collect();
    assert!(
        people.iter().any(|u| u.get("emailAddress").is_none()),
        "e-mail left out"
    );
    assert!(
        people
            .iter()
            .all(|u| u.get("name").is_none() && u["accountId"].is_string())
    );
    let types: BTreeSet<String> = v["issues"]
        .as_array()
        .expect("issues")
        .iter()
        .filter_map(|i| i["fields"]["issuetype"]["name"].as_str().map(str::to_owned))
        .collect();
    assert!(
        types.contains("Sub-task") || types.contains("Subtask"),
        "{types:?}"
    );
}

#[tokio::test]
async fn refusals_and_rate_limits_have_clouds_form() {
    let s = sim(30).await;
    let anonymous =
        super::send(reqwest::Client::new().get(format!("{}/rest/api/3/myself", s.jira_url))).await;
    assert_eq!(anonymous.status, 401);
    assert_eq!(
        anonymous.text,
        "Client must be authenticated to access this resource."
    );
    assert!(
        serde_json::from_str::<Value>(&anonymous.text).is_err(),
        "not JSON"
    );
    assert!(anonymous.header("www-authenticate").is_some());
    s.inject(Fault::rate_limited(9).jira());
    let limited = jira_get(&s, "/rest/api/3/myself").await;
    assert_eq!(limited.status, 429);
    assert_eq!(limited.header("retry-after"), Some("9"));
    let reset = limited.header("x-ratelimit-reset").expect("reset");
    assert!(
        chrono::NaiveDateTime::parse_from_str(reset, "%Y-%m-%dT%H:%MZ").is_ok(),
        "ISO 8601 to the minute: {reset}"
    );
    assert_eq!(limited.header("ratelimit-reason"), Some("jira-burst-based"));
    assert!(
        serde_json::from_str::<Value>(&limited.text).is_err(),
        "not an ErrorCollection"
    );
    s.inject(Fault::server_error(503).jira());
    let busy = jira_get(&s, "/rest/api/3/myself").await;
    assert_eq!((busy.status, busy.header("retry-after")), (503, Some("1")));
    let missing = jira_get(&s, "/rest/api/3/issue/BENCH-99999").await;
    assert_eq!(missing.status, 404);
    assert_eq!(
        missing.json()["errorMessages"][0],
        "Issue does not exist or you do not have permission to see it."
    );
    let log = s.log();
    assert_eq!(log.count("GET /rest/api/3/myself"), 3);
    assert_eq!(log.with_status(429).len(), 1);
}

/// Keys of each object in `captured` (a list, or a page with `values`) that `served` lacks.
fn missing_keys(captured: &Value, served: &Value) -> Vec<String> {
    let first = |v: &Value| -> Value {
        v.get("values")
            .and_then(|x| x.get(0))
            .or_else(|| v.get(0))
            .cloned()
            .unwrap_or(Value::Null)
    };
    let (c, s) = (first(captured), first(served));
    c.as_object()
        .map(|o| {
            o.keys()
                .filter(|k| s.get(k.as_str()).is_none())
                .cloned()
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn agile_lists_and_status_categories_keep_the_official_shapes() {
    let s = sim(120).await;
    let boards = jira_get(&s, "/rest/agile/1.0/board").await.json();
    let captured = fixture_json("jira/rest-agile-1.0-board.GET.200.json");
    assert_eq!(missing_keys(&captured, &boards), Vec::<String>::new());
    for k in ["maxResults", "startAt", "total", "isLast", "values"] {
        assert!(boards.get(k).is_some(), "{k}");
    }
    let sprints = jira_get(&s, "/rest/agile/1.0/board/1/sprint?state=closed")
        .await
        .json();
    let captured = fixture_json("jira/rest-agile-1.0-board-id-sprint.GET.200.json");
    assert_eq!(
        missing_keys(&captured, &sprints),
        Vec::<String>::new(),
        "a closed sprint has every key of the example's"
    );
    let categories = fixture_json("jira/all_statuscategories.go-jira.json");
    let v = jira_post(
        &s,
        "/rest/api/3/search/jql",
        &json!({ "jql": SCOPE, "fields": ["status"], "maxResults": 100 }),
    )
    .await
    .json();
    for issue in v["issues"].as_array().expect("issues") {
        let c = &issue["fields"]["status"]["statusCategory"];
        let known = categories
            .as_array()
            .expect("list")
            .iter()
            .find(|k| k["key"] == c["key"])
            .expect("a known category");
        assert_eq!((&known["id"], &known["name"]), (&c["id"], &c["name"]));
    }
    assert_eq!(
        jira_get(&s, "/rest/agile/1.0/board/1/sprint?state=open")
            .await
            .status,
        400
    );
}

async fn jira_write(
    s: &Simulator,
    method: reqwest::Method,
    path: &str,
    body: &Value,
) -> super::Answer {
    super::send(super::jira_client(s, method, path).json(body)).await
}

#[tokio::test]
async fn writes_follow_the_projects_screens_workflows_and_issue_types() {
    let s = sim(300).await;
    let (bench, mob) = s.world(|w| {
        let open = |p: usize| {
            w.jira
                .issues
                .iter()
                .find(|i| {
                    i.project == p
                        && sprintdeck::demo::teams::model::current(&i.history)
                            == sprintdeck::demo::teams::model::Step::Todo
                        && i.issue_type == sprintdeck::demo::teams::model::JiraType::Story
                })
                .map(|i| i.key.clone())
                .expect("an open story")
        };
        (open(0), open(1))
    });
    let listed = jira_get(&s, &format!("/rest/api/3/issue/{bench}/transitions"))
        .await
        .json();
    let transitions = listed["transitions"].as_array().expect("transitions");
    let start = transitions
        .iter()
        .find(|t| t["to"]["name"] == "In Progress")
        .expect("a way to In Progress");
    assert_ne!(
        start["name"], start["to"]["name"],
        "named for the move, not the status"
    );
    let moved = jira_post(
        &s,
        &format!("/rest/api/3/issue/{bench}/transitions"),
        &json!({ "transition": { "id": start["id"] } }),
    )
    .await;
    assert_eq!(moved.status, 204);
    assert_eq!(
        jira_get(&s, &format!("/rest/api/3/issue/{bench}?fields=status"))
            .await
            .json()["fields"]["status"]["name"],
        "In Progress"
    );
    assert_eq!(
        jira_post(
            &s,
            &format!("/rest/api/3/issue/{bench}/transitions"),
            &json!({ "transition": { "id": "999" } })
        )
        .await
        .status,
        400
    );
    // Story points go into the field the project's screens have.
    let wrong = jira_write(
        &s,
        reqwest::Method::PUT,
        &format!("/rest/api/3/issue/{bench}"),
        &json!({ "fields": { "customfield_10016": 3 } }),
    )
    .await;
    assert_eq!(wrong.status, 400);
    assert!(wrong.json()["errors"]["customfield_10016"].is_string());
    let right = jira_write(
        &s,
        reqwest::Method::PUT,
        &format!("/rest/api/3/issue/{bench}"),
        &json!({ "fields": { "customfield_10028": 3 } }),
    )
    .await;
    assert_eq!(right.status, 204);
    let plain = jira_post(
        &s,
        &format!("/rest/api/3/issue/{mob}/comment"),
        &json!({ "body": "not ADF" }),
    )
    .await;
    assert_eq!(plain.status, 400, "v3 takes ADF only");
    let sub = |name: &str, project: &str| json!({ "fields": { "project": { "key": project }, "summary": "Child", "issuetype": { "name": name }, "parent": { "key": mob } } });
    assert_eq!(
        jira_post(&s, "/rest/api/3/issue", &sub("Sub-task", "MOB"))
            .await
            .status,
        400,
        "team-managed calls it Subtask"
    );
    let made = jira_post(&s, "/rest/api/3/issue", &sub("Subtask", "MOB")).await;
    assert_eq!(made.status, 201, "{}", made.text);
    assert!(
        made.json()["key"]
            .as_str()
            .is_some_and(|k| k.starts_with("MOB-"))
    );
    let link = jira_post(&s, "/rest/api/3/issueLink", &json!({ "type": { "name": "Blocks" }, "outwardIssue": { "key": bench }, "inwardIssue": { "key": mob } })).await;
    assert_eq!(link.status, 201);
    let links = jira_get(&s, &format!("/rest/api/3/issue/{bench}?fields=issuelinks"))
        .await
        .json();
    assert!(
        links["fields"]["issuelinks"]
            .as_array()
            .expect("links")
            .iter()
            .any(|l| l["outwardIssue"]["key"] == json!(mob)),
        "the outward issue blocks the inward one"
    );
    let hotfix = jira_post(
        &s,
        "/rest/agile/1.0/sprint/170/issue",
        &json!({ "issues": [mob] }),
    )
    .await;
    assert_eq!(hotfix.status, 204);
    let closed = s
        .world(|w| {
            w.jira
                .sprints
                .iter()
                .find(|x| x.state == sprintdeck::demo::teams::model::SprintState::Closed)
                .map(|x| x.id)
        })
        .expect("a closed sprint");
    assert_eq!(
        jira_post(
            &s,
            &format!("/rest/agile/1.0/sprint/{closed}/issue"),
            &json!({ "issues": [mob] })
        )
        .await
        .status,
        400
    );
    let sprints = jira_get(
        &s,
        &format!("/rest/api/3/issue/{mob}?fields=customfield_10020"),
    )
    .await
    .json();
    let active: Vec<&Value> = sprints["fields"]["customfield_10020"]
        .as_array()
        .expect("sprints")
        .iter()
        .filter(|x| x["state"] != "closed")
        .collect();
    assert_eq!(active.len(), 1, "one active or future sprint at most");
}
