//! HTTP for the trackers: one client per source (timeout, extra CA, user agent), the auth
//! header, and retries with exponential backoff and jitter. 5xx, timeouts, dropped connections
//! and a 200 whose JSON body was cut short are retried a few times; 401/403 and other client
//! errors are not, so a bad token never becomes a retry storm.
//!
//! Rate limits come in bursts, so a 429 (or a 503 that says when to come back) does not spend
//! those retries: the client waits as long as the server asks (`Retry-After`; else GitLab's
//! `RateLimit-Reset`, Unix seconds, or Jira's `X-RateLimit-Reset`, an ISO 8601 minute; else its
//! own growing backoff) for as long as the pass's waiting budget lasts, shared by every request
//! of the source (`[sync] rate_limit_wait_minutes`).

use std::sync::Arc;
use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBuilder};
use futures_util::future::BoxFuture;
use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode, Url};

use crate::clock::Clock;
use crate::config::secrets::Secret;

/// How a request authenticates; the value is never logged.
#[derive(Clone)]
pub enum Auth {
    /// GitLab personal, project or group access token.
    PrivateToken(Secret),
    /// OAuth or a Jira Data Center personal access token.
    Bearer(Secret),
    /// Jira Cloud: account e-mail and API token.
    Basic { user: String, token: Secret },
}

/// Waits between attempts. The real one sleeps; tests pass one that records and returns.
pub type Sleeper = Arc<dyn Fn(Duration) -> BoxFuture<'static, ()> + Send + Sync>;

pub fn tokio_sleeper() -> Sleeper {
    Arc::new(|d| Box::pin(tokio::time::sleep(d)))
}

#[derive(Clone)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub retries: usize,
    pub min_delay: Duration,
    pub max_delay: Duration,
    /// The total a pass may wait out rate limits (429, and 503 with `Retry-After`), all
    /// requests of the source together; a wait beyond it fails the request (and says so).
    pub wait_budget: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            retries: 4,
            min_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            wait_budget: Duration::from_mins(10),
        }
    }
}

/// A rate limit without a time to come back: the first wait, doubled each time up to the last.
const RATE_LIMIT_FIRST_WAIT: Duration = Duration::from_secs(2);
const RATE_LIMIT_LONGEST_WAIT: Duration = Duration::from_mins(1);

#[derive(Debug, Clone, thiserror::Error)]
pub enum HttpError {
    /// 401/403: the source stops; retrying cannot help.
    #[error("{url}: HTTP {status}: {message}")]
    Auth {
        status: u16,
        url: String,
        message: String,
    },
    #[error("{url}: not found (HTTP 404){}", hint(message))]
    NotFound { url: String, message: String },
    /// 410: an endpoint the tracker retired.
    #[error("{url}: HTTP 410 Gone{}", hint(message))]
    Gone { url: String, message: String },
    /// 429; `retry_after` when the server said when to come back.
    #[error("{url}: rate limited (HTTP 429){}", waited(*retry_after))]
    RateLimited {
        url: String,
        retry_after: Option<Duration>,
    },
    /// Rate limited for longer than the pass may wait.
    #[error(
        "{url}: still rate limited after waiting {}s, this pass's budget (`[sync] rate_limit_wait_minutes`)",
        waited.as_secs()
    )]
    RateBudget { url: String, waited: Duration },
    #[error("{url}: server error HTTP {status}{}", hint(message))]
    Server {
        status: u16,
        url: String,
        message: String,
        /// A transient 5xx may say when to come back (Jira's 503).
        retry_after: Option<Duration>,
    },
    #[error("{url}: HTTP {status}{}", hint(message))]
    Client {
        status: u16,
        url: String,
        message: String,
    },
    #[error("{url}: {message}")]
    Network { url: String, message: String },
    /// A success whose JSON body ends early: the connection gave out mid-answer.
    #[error("{url}: the answer was cut short ({message})")]
    Truncated { url: String, message: String },
    /// The body is not the JSON we expect; a retry would get the same.
    #[error("{url}: unexpected answer: {message}")]
    Decode { url: String, message: String },
}

fn waited(retry_after: Option<Duration>) -> String {
    retry_after.map_or_else(String::new, |d| format!("; retry after {}s", d.as_secs()))
}

fn hint(message: &str) -> String {
    if message.is_empty() {
        String::new()
    } else {
        format!(": {message}")
    }
}

impl HttpError {
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Self::RateLimited { .. }
                | Self::Server { .. }
                | Self::Network { .. }
                | Self::Truncated { .. }
        )
    }

    /// Stops the whole source (a bad token), as opposed to failing one request.
    pub fn is_auth(&self) -> bool {
        matches!(self, Self::Auth { .. })
    }

    /// A rate limit: waited out from the pass's budget rather than the retries. A 503 that
    /// says when to come back counts (Jira: "Some transient 5XX errors are accompanied by a
    /// Retry-After header").
    fn rate_limit(&self) -> RateLimit {
        match self {
            Self::RateLimited {
                retry_after: Some(after),
                ..
            }
            | Self::Server {
                retry_after: Some(after),
                ..
            } => RateLimit::Announced(*after),
            Self::RateLimited {
                retry_after: None, ..
            } => RateLimit::Unannounced,
            _ => RateLimit::No,
        }
    }

    fn url(&self) -> &str {
        match self {
            Self::Auth { url, .. }
            | Self::NotFound { url, .. }
            | Self::Gone { url, .. }
            | Self::RateLimited { url, .. }
            | Self::RateBudget { url, .. }
            | Self::Server { url, .. }
            | Self::Client { url, .. }
            | Self::Network { url, .. }
            | Self::Truncated { url, .. }
            | Self::Decode { url, .. } => url,
        }
    }
}

/// Whether a failed request was a rate limit, and whether it said how long to wait.
enum RateLimit {
    Announced(Duration),
    /// Waited out with a doubling wait of our own.
    Unannounced,
    No,
}

/// An answer: headers (pagination lives there) and the body.
pub struct Answer {
    pub headers: HeaderMap,
    pub body: bytes::Bytes,
    pub url: Url,
}

impl Answer {
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T, HttpError> {
        serde_json::from_slice(&self.body).map_err(|e| HttpError::Decode {
            url: redact_url(&self.url),
            message: format!("not the JSON expected ({e})"),
        })
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    }
}

type OnWait = Arc<dyn Fn(&HttpError, Duration) + Send + Sync>;

#[derive(Clone)]
pub struct Http {
    client: reqwest::Client,
    auth: Auth,
    retry: RetryPolicy,
    sleeper: Sleeper,
    /// Reads "now" for rate-limit resets given as a time (frozen in tests and demos).
    clock: Clock,
    /// Called before each wait: (why, how long), for the progress line.
    on_wait: OnWait,
    /// Time spent waiting out rate limits, by every clone of this client (one pass).
    rate_waited: Arc<std::sync::Mutex<Duration>>,
}

pub struct HttpOptions {
    pub timeout: Duration,
    pub ca_file: Option<std::path::PathBuf>,
    pub retry: RetryPolicy,
    pub sleeper: Sleeper,
    pub clock: Clock,
}

impl HttpOptions {
    pub fn new(timeout: Duration, clock: Clock) -> Self {
        Self {
            timeout,
            ca_file: None,
            retry: RetryPolicy::default(),
            sleeper: tokio_sleeper(),
            clock,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("cannot read the CA file {path}: {reason}")]
    CaFile { path: String, reason: String },
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
}

impl Http {
    pub fn new(auth: Auth, options: HttpOptions) -> Result<Self, BuildError> {
        let mut builder = reqwest::Client::builder()
            .timeout(options.timeout)
            .connect_timeout(options.timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("sprintdeck/", env!("CARGO_PKG_VERSION")));
        if let Some(path) = &options.ca_file {
            let fail = |reason: String| BuildError::CaFile {
                path: path.display().to_string(),
                reason,
            };
            let pem = std::fs::read(path).map_err(|e| fail(e.to_string()))?;
            let certs =
                reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| fail(e.to_string()))?;
            for cert in certs {
                builder = builder.add_root_certificate(cert);
            }
        }
        let client = builder
            .build()
            .map_err(|e| BuildError::Client(e.to_string()))?;
        Ok(Self {
            client,
            auth,
            retry: options.retry,
            sleeper: options.sleeper,
            clock: options.clock,
            on_wait: Arc::new(|_, _| {}),
            rate_waited: Arc::new(std::sync::Mutex::new(Duration::ZERO)),
        })
    }

    /// Reports each wait before a retry (rate limit or backoff).
    #[must_use]
    pub fn on_wait(mut self, f: impl Fn(&HttpError, Duration) + Send + Sync + 'static) -> Self {
        self.on_wait = Arc::new(f);
        self
    }

    pub fn get(&self, url: Url) -> BoxFuture<'_, Result<Answer, HttpError>> {
        Box::pin(self.send(Method::GET, url, None))
    }

    pub fn post_json(
        &self,
        url: Url,
        body: serde_json::Value,
    ) -> BoxFuture<'_, Result<Answer, HttpError>> {
        Box::pin(self.send(Method::POST, url, Some(body)))
    }

    pub fn put_json(
        &self,
        url: Url,
        body: serde_json::Value,
    ) -> BoxFuture<'_, Result<Answer, HttpError>> {
        Box::pin(self.send(Method::PUT, url, Some(body)))
    }

    pub fn delete(&self, url: Url) -> BoxFuture<'_, Result<Answer, HttpError>> {
        Box::pin(self.send(Method::DELETE, url, None))
    }

    /// One POST, never retried: a create that timed out may have happened, so the caller looks
    /// for it before sending it again.
    pub fn post_once(
        &self,
        url: Url,
        body: serde_json::Value,
    ) -> BoxFuture<'_, Result<Answer, HttpError>> {
        Box::pin(async move { self.once(Method::POST, url, Some(&body)).await })
    }

    /// The delays of the retry policy (backon's exponential backoff with jitter), for a
    /// caller's own loop; the same ones `send` waits.
    pub fn delays(&self) -> impl Iterator<Item = Duration> + use<> {
        let policy = &self.retry;
        ExponentialBuilder::default()
            .with_min_delay(policy.min_delay)
            .with_max_delay(policy.max_delay)
            .with_max_times(policy.retries)
            .with_jitter()
            .build()
    }

    /// Waits `delay` with this client's sleeper (tests pass one that returns).
    pub async fn wait(&self, delay: Duration) {
        (self.sleeper)(delay).await;
    }

    /// Sends until an answer, a permanent error, or the retries are spent. Delays come from
    /// backon's exponential backoff with jitter; rate limits are waited out from the budget.
    async fn send(
        &self,
        method: Method,
        url: Url,
        body: Option<serde_json::Value>,
    ) -> Result<Answer, HttpError> {
        let mut delays = self.delays();
        let mut unannounced = RATE_LIMIT_FIRST_WAIT;
        loop {
            let error = match self.once(method.clone(), url.clone(), body.as_ref()).await {
                Ok(answer) => return Ok(answer),
                Err(e) if e.is_transient() => e,
                Err(e) => return Err(e),
            };
            let wait = match error.rate_limit() {
                RateLimit::Announced(wait) => self.spend(&error, wait)?,
                RateLimit::Unannounced => {
                    let wait = unannounced;
                    unannounced = (unannounced * 2).min(RATE_LIMIT_LONGEST_WAIT);
                    self.spend(&error, wait)?
                }
                RateLimit::No => {
                    let Some(planned) = delays.next() else {
                        return Err(error);
                    };
                    planned
                }
            };
            (self.on_wait)(&error, wait);
            (self.sleeper)(wait).await;
        }
    }

    /// Takes `wait` from the pass's rate-limit budget, or fails when it would overrun it.
    fn spend(&self, error: &HttpError, wait: Duration) -> Result<Duration, HttpError> {
        let mut waited = self
            .rate_waited
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if *waited + wait > self.retry.wait_budget {
            return Err(HttpError::RateBudget {
                url: error.url().to_owned(),
                waited: *waited,
            });
        }
        *waited += wait;
        Ok(wait)
    }

    async fn once(
        &self,
        method: Method,
        url: Url,
        body: Option<&serde_json::Value>,
    ) -> Result<Answer, HttpError> {
        let shown = redact_url(&url);
        let mut request = self.client.request(method, url.clone());
        request = match &self.auth {
            Auth::PrivateToken(token) => request.header("PRIVATE-TOKEN", sensitive(token.expose())),
            Auth::Bearer(token) => request.header(
                reqwest::header::AUTHORIZATION,
                sensitive(&format!("Bearer {}", token.expose())),
            ),
            Auth::Basic { user, token } => request.basic_auth(user, Some(token.expose())),
        };
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.map_err(|e| HttpError::Network {
            url: shown.clone(),
            message: network_message(&e),
        })?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.bytes().await.map_err(|e| HttpError::Network {
            url: shown.clone(),
            message: format!(
                "connection dropped while reading the answer ({})",
                network_message(&e)
            ),
        })?;
        if status.is_success() {
            if let Some(message) = cut_short(&headers, &body) {
                return Err(HttpError::Truncated {
                    url: shown,
                    message,
                });
            }
            return Ok(Answer { headers, body, url });
        }
        Err(classify(status, &headers, &body, shown, self.clock))
    }
}

/// Why a JSON answer is incomplete: its body ends before the JSON does (a connection that gave
/// out while the length header still matched). A body that is whole but not what we expect is
/// not retried: the same would come back.
fn cut_short(headers: &HeaderMap, body: &[u8]) -> Option<String> {
    let json = headers
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.to_ascii_lowercase().contains("json"));
    if !json || body.is_empty() {
        return None;
    }
    match serde_json::from_slice::<serde::de::IgnoredAny>(body) {
        Err(e) if e.is_eof() => Some(e.to_string()),
        _ => None,
    }
}

fn sensitive(value: &str) -> HeaderValue {
    let mut v = HeaderValue::from_str(value).unwrap_or_else(|_| HeaderValue::from_static(""));
    v.set_sensitive(true);
    v
}

fn network_message(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timed out".to_owned()
    } else if e.is_connect() {
        "cannot connect".to_owned()
    } else {
        // The chain names the cause (DNS, TLS, reset) without the URL's query.
        let mut text = e.to_string();
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            text = format!("{text}: {s}");
            source = s.source();
        }
        text
    }
}

/// The tracker's own message (`{"message": …}` on GitLab, `errorMessages` on Jira), shortened.
fn server_message(body: &[u8]) -> String {
    let text = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| {
            let m = v
                .get("message")
                .or_else(|| v.get("error_description"))
                .or_else(|| v.get("error"))
                .or_else(|| v.get("errorMessages").and_then(|m| m.get(0)))?;
            Some(match m {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            })
        })
        .unwrap_or_default();
    crate::domain::text::sanitize(&text.chars().take(300).collect::<String>(), false)
}

fn classify(
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
    url: String,
    clock: Clock,
) -> HttpError {
    let message = server_message(body);
    match status.as_u16() {
        401 | 403 => HttpError::Auth {
            status: status.as_u16(),
            url,
            message: if message.is_empty() {
                "the token was refused".to_owned()
            } else {
                message
            },
        },
        404 => HttpError::NotFound { url, message },
        410 => HttpError::Gone { url, message },
        429 => HttpError::RateLimited {
            url,
            retry_after: retry_after(headers, clock),
        },
        500..=599 => HttpError::Server {
            status: status.as_u16(),
            url,
            message,
            retry_after: retry_after(headers, clock),
        },
        other => HttpError::Client {
            status: other,
            url,
            message,
        },
    }
}

/// When to come back: `Retry-After` in seconds (or an HTTP date); else the reset time, as
/// GitLab gives it (`RateLimit-Reset`, Unix seconds) or Jira (`X-RateLimit-Reset`, ISO 8601 to
/// the minute, `yyyy-MM-ddTHH:mmZ`). Times are counted from the clock's now.
fn retry_after(headers: &HeaderMap, clock: Clock) -> Option<Duration> {
    let get = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    let until = |at: chrono::DateTime<chrono::Utc>| {
        let secs = (at - clock.now()).num_seconds();
        Duration::from_secs(u64::try_from(secs).unwrap_or(0).max(1))
    };
    if let Some(v) = get("retry-after") {
        if let Ok(secs) = v.parse::<u64>() {
            return Some(Duration::from_secs(secs));
        }
        if let Ok(at) = chrono::DateTime::parse_from_rfc2822(v) {
            return Some(until(at.with_timezone(&chrono::Utc)));
        }
    }
    if let Some(reset) = get("ratelimit-reset").and_then(|v| v.parse::<i64>().ok()) {
        return chrono::DateTime::from_timestamp(reset, 0).map(until);
    }
    let reset = get("x-ratelimit-reset")?;
    chrono::NaiveDateTime::parse_from_str(reset, "%Y-%m-%dT%H:%MZ")
        .map(|t| t.and_utc())
        .or_else(|_| chrono::DateTime::parse_from_rfc3339(reset).map(|t| t.to_utc()))
        .ok()
        .map(until)
}

/// A URL for messages and logs: no query string (it may carry a cursor or a token).
pub fn redact_url(url: &Url) -> String {
    let mut shown = url.clone();
    shown.set_query(None);
    shown.set_password(None).ok();
    shown.to_string()
}
