//! Faults injected per run: each applies to the requests of one tracker (and endpoint, if
//! given), after skipping some, for a number of requests; latency applies to every request.
//! The bodies and headers of each fault are the services' documented ones.

use std::time::Duration;

use chrono::Utc;
use serde_json::json;

use super::wire::Reply;

/// Which server a fault or a request belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tracker {
    Gitlab,
    Jira,
}

impl Tracker {
    pub fn name(self) -> &'static str {
        match self {
            Self::Gitlab => "gitlab",
            Self::Jira => "jira",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultKind {
    /// 429 with `Retry-After` (seconds) and the service's rate-limit headers.
    RateLimited { retry_after: u64 },
    /// A 5xx with the service's error body (503 carries `Retry-After` on Jira).
    ServerError(u16),
    /// A 200 whose body is cut in half (the length header matches what is sent, so the
    /// client reads a complete answer that is not complete JSON).
    Truncated,
    /// 401: the credentials were refused.
    Unauthorized,
    /// The answer, late.
    Delay(Duration),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    pub tracker: Option<Tracker>,
    /// An endpoint (`GET /api/v4/projects/:id/issues`) or any endpoint containing this text.
    pub endpoint: Option<String>,
    /// Matching requests answered normally before the fault starts.
    pub skip: usize,
    /// Matching requests that get the fault.
    pub times: usize,
    pub kind: FaultKind,
}

impl Fault {
    /// The fault on the next matching request.
    pub fn new(kind: FaultKind) -> Self {
        Self {
            tracker: None,
            endpoint: None,
            skip: 0,
            times: 1,
            kind,
        }
    }

    pub fn rate_limited(retry_after: u64) -> Self {
        Self::new(FaultKind::RateLimited { retry_after })
    }

    pub fn server_error(status: u16) -> Self {
        Self::new(FaultKind::ServerError(status))
    }

    pub fn truncated() -> Self {
        Self::new(FaultKind::Truncated)
    }

    pub fn unauthorized() -> Self {
        Self::new(FaultKind::Unauthorized)
    }

    #[must_use]
    pub fn gitlab(mut self) -> Self {
        self.tracker = Some(Tracker::Gitlab);
        self
    }

    #[must_use]
    pub fn jira(mut self) -> Self {
        self.tracker = Some(Tracker::Jira);
        self
    }

    /// Only requests whose endpoint contains `text`.
    #[must_use]
    pub fn on(mut self, text: &str) -> Self {
        self.endpoint = Some(text.to_owned());
        self
    }

    #[must_use]
    pub fn after(mut self, skip: usize) -> Self {
        self.skip = skip;
        self
    }

    /// A burst: `n` matching requests in a row.
    #[must_use]
    pub fn times(mut self, n: usize) -> Self {
        self.times = n;
        self
    }

    pub fn matches(&self, tracker: Tracker, endpoint: &str) -> bool {
        self.tracker.is_none_or(|t| t == tracker)
            && self
                .endpoint
                .as_deref()
                .is_none_or(|e| endpoint.contains(e))
    }
}

/// A fault with its counters.
#[derive(Debug, Clone)]
pub struct Armed {
    pub fault: Fault,
    pub seen: usize,
    pub fired: usize,
}

impl Armed {
    /// Counts the request; true when this one gets the fault.
    pub fn fires(&mut self, tracker: Tracker, endpoint: &str) -> bool {
        if !self.fault.matches(tracker, endpoint) {
            return false;
        }
        self.seen += 1;
        if self.seen > self.fault.skip && self.fired < self.fault.times {
            self.fired += 1;
            return true;
        }
        false
    }
}

/// The reply a fault gives in place of the answer (`None`: answer, then maybe cut it).
pub fn reply(kind: &FaultKind, tracker: Tracker) -> Option<Reply> {
    match (kind, tracker) {
        (FaultKind::RateLimited { retry_after }, Tracker::Gitlab) => {
            // GitLab's throttles (Rack::Attack): plain-text "Retry later", the RateLimit-*
            // headers with RateLimit-Reset as Unix time, and Retry-After in seconds
            // (doc/administration/settings/user_and_ip_rate_limits.md, "Response headers";
            // rule GL-RL-1, GL-RL-2).
            let reset =
                Utc::now() + chrono::Duration::seconds(i64::try_from(*retry_after).unwrap_or(60));
            Some(
                Reply::text(429, "Retry later\n")
                    .header("RateLimit-Name", "throttle_authenticated_api")
                    .header("RateLimit-Limit", "60")
                    .header("RateLimit-Observed", "67")
                    .header("RateLimit-Remaining", "0")
                    .header("RateLimit-Reset", reset.timestamp().to_string())
                    .header(
                        "RateLimit-ResetTime",
                        reset.format("%a, %d %b %Y %H:%M:%S GMT").to_string(),
                    )
                    .header("Retry-After", retry_after.to_string()),
            )
        }
        (FaultKind::RateLimited { retry_after }, Tracker::Jira) => {
            // Jira Cloud: Retry-After in seconds, X-RateLimit-Reset as an ISO 8601 minute, the
            // reason, and a body that is not an ErrorCollection (developer.atlassian.com
            // /cloud/jira/platform/rate-limiting; rules JR-RL-1..5, U-J12).
            let reset =
                Utc::now() + chrono::Duration::seconds(i64::try_from(*retry_after).unwrap_or(60));
            Some(
                Reply::text(429, "Rate limit exceeded.")
                    .header("Retry-After", retry_after.to_string())
                    .header("X-RateLimit-Limit", "100")
                    .header("X-RateLimit-Remaining", "0")
                    .header(
                        "X-RateLimit-Reset",
                        reset.format("%Y-%m-%dT%H:%MZ").to_string(),
                    )
                    .header("X-RateLimit-NearLimit", "true")
                    .header("RateLimit-Reason", "jira-burst-based"),
            )
        }
        (FaultKind::ServerError(status), Tracker::Gitlab) => Some(Reply::json(
            *status,
            &json!({ "message": format!("{status} Internal Server Error") }),
        )),
        (FaultKind::ServerError(status), Tracker::Jira) => {
            // Some transient 5xx carry Retry-After (rule JR-RL-1).
            let reply = Reply::json(
                *status,
                &json!({ "errorMessages": ["Internal server error"], "errors": {} }),
            );
            Some(if *status == 503 {
                reply.header("Retry-After", "1")
            } else {
                reply
            })
        }
        (FaultKind::Unauthorized, Tracker::Gitlab) => Some(gitlab_unauthorized()),
        (FaultKind::Unauthorized, Tracker::Jira) => Some(jira_unauthorized()),
        (FaultKind::Truncated | FaultKind::Delay(_), _) => None,
    }
}

/// GitLab: `{"message":"401 Unauthorized"}` (doc/api/rest/authentication.md; rule GL-ERR-1).
pub fn gitlab_unauthorized() -> Reply {
    Reply::json(401, &json!({ "message": "401 Unauthorized" }))
}

/// Jira Cloud: a plain-text body, not an `ErrorCollection`, with `WWW-Authenticate` (rules
/// JR-ERR-4, U-J11): a client must never decode a 401 as JSON.
pub fn jira_unauthorized() -> Reply {
    Reply::text(401, "Client must be authenticated to access this resource.")
        .header(
            "WWW-Authenticate",
            "OAuth realm=\"https%3A%2F%2Fsim.atlassian.net\"",
        )
        .header("X-Seraph-LoginReason", "AUTHENTICATED_FAILED")
}

/// A 200 cut in half.
pub fn truncate(mut reply: Reply) -> Reply {
    let half = reply.body.len() / 2;
    reply.body.truncate(half);
    reply
}
