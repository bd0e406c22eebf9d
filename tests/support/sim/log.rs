//! Every request the simulator answered: method, path, query, status and the endpoint it
//! reached (its route, e.g. `GET /api/v4/projects/:id/issues`), for tests and benches to count.

use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// `gitlab` or `jira`.
    pub tracker: &'static str,
    pub method: String,
    pub path: String,
    pub query: String,
    pub status: u16,
    /// The route template, with the method: `POST /rest/api/3/search/jql`.
    pub endpoint: String,
}

/// A snapshot of the log.
#[derive(Debug, Clone, Default)]
pub struct RequestLog {
    pub entries: Vec<Entry>,
}

impl RequestLog {
    pub fn total(&self) -> usize {
        self.entries.len()
    }

    /// Requests to one endpoint (`"GET /api/v4/projects/:id/issues"`), any status.
    pub fn count(&self, endpoint: &str) -> usize {
        self.entries
            .iter()
            .filter(|e| e.endpoint == endpoint)
            .count()
    }

    /// Requests per endpoint.
    pub fn counts(&self) -> BTreeMap<String, usize> {
        let mut out = BTreeMap::new();
        for e in &self.entries {
            *out.entry(e.endpoint.clone()).or_insert(0) += 1;
        }
        out
    }

    /// Requests answered with `status`.
    pub fn with_status(&self, status: u16) -> Vec<&Entry> {
        self.entries.iter().filter(|e| e.status == status).collect()
    }

    pub fn of_tracker(&self, tracker: &str) -> usize {
        self.entries.iter().filter(|e| e.tracker == tracker).count()
    }

    /// One line per endpoint, for a test's or a bench's report.
    pub fn summary(&self) -> String {
        self.counts()
            .into_iter()
            .map(|(endpoint, n)| format!("{n:>7}  {endpoint}"))
            .collect::<Vec<_>>()
            .join("\n")
    }
}
