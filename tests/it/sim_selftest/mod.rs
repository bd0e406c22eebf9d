//! The simulator holds itself to the trackers' documented rules: page caps, headers, where
//! objects live, error bodies, fault behaviour; and its payloads keep the captured shapes.

mod gitlab;
mod jira;

use reqwest::header::HeaderMap;
use serde_json::Value;

use crate::sim::Simulator;

pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub text: String,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

pub async fn send(request: reqwest::RequestBuilder) -> Answer {
    let r = request.send().await.expect("the simulator answers");
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let text = r.text().await.expect("body");
    Answer {
        status,
        headers,
        text,
    }
}

/// `GET` on GitLab with the token.
pub async fn gitlab(sim: &Simulator, path_and_query: &str) -> Answer {
    send(
        reqwest::Client::new()
            .get(format!("{}{path_and_query}", sim.gitlab_url))
            .header("PRIVATE-TOKEN", "glpat-simulated"),
    )
    .await
}

pub fn jira_client(
    sim: &Simulator,
    method: reqwest::Method,
    path: &str,
) -> reqwest::RequestBuilder {
    reqwest::Client::new()
        .request(method, format!("{}{path}", sim.jira_url))
        .basic_auth(
            sprintdeck::demo::teams::config::JIRA_EMAIL,
            Some("atlassian-simulated"),
        )
}

pub async fn jira_get(sim: &Simulator, path: &str) -> Answer {
    send(jira_client(sim, reqwest::Method::GET, path)).await
}

pub async fn jira_post(sim: &Simulator, path: &str, body: &Value) -> Answer {
    send(jira_client(sim, reqwest::Method::POST, path).json(body)).await
}

/// The URL in a `Link` header for `rel`.
pub fn link(answer: &Answer, rel: &str) -> Option<String> {
    sprintdeck::sync::links::link(answer.header("link")?, rel)
}

pub fn fixture_json(rel: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(crate::common::fixture(rel)).expect("fixture"))
        .expect("fixture json")
}
