//! Secret redaction for log lines: every secret resolved at run time is registered here, and
//! common credential shapes (headers, `key=value`, well-known token prefixes) are masked too.

use std::io::{self, Write};
use std::sync::{LazyLock, RwLock};

use regex::Regex;
use tracing_subscriber::fmt::MakeWriter;

pub const MASK: &str = "[REDACTED]";

static KNOWN: RwLock<Vec<String>> = RwLock::new(Vec::new());

static PATTERNS: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    [
        // Header or key=value forms; keep the name, mask the value.
        r"(?i)((?:private-token|authorization|x-api-key|api[-_]?key|x-gitlab-token|token|password|secret)\s*[:=]\s*(?:bearer\s+|basic\s+)?)[^\s,;&]+",
        r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]{8,}",
        r"()\bglpat-[A-Za-z0-9_-]{16,}",
        r"()\bATATT[A-Za-z0-9_=-]{16,}",
        r"()\bsk-(?:ant-)?[A-Za-z0-9_-]{16,}",
        r"()\bgh[pousr]_[A-Za-z0-9]{20,}",
    ]
    .iter()
    .filter_map(|p| Regex::new(p).ok())
    .collect()
});

/// Remembers a secret so that any later log line containing it is masked. Very short values
/// are ignored: masking every "a" in the log would help nobody.
pub fn register(secret: &str) {
    let secret = secret.trim();
    if secret.len() < 6 {
        return;
    }
    if let Ok(mut known) = KNOWN.write()
        && !known.iter().any(|k| k == secret)
    {
        known.push(secret.to_owned());
    }
}

pub fn redact(line: &str) -> String {
    let mut out = line.to_owned();
    if let Ok(known) = KNOWN.read() {
        for secret in known.iter() {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), MASK);
            }
        }
    }
    for pattern in PATTERNS.iter() {
        out = pattern
            .replace_all(&out, |caps: &regex::Captures<'_>| {
                format!("{}{MASK}", caps.get(1).map_or("", |m| m.as_str()))
            })
            .into_owned();
    }
    out
}

/// Wraps a writer; the fmt layer writes each event with one `write_all`, so masking per write
/// call sees whole lines.
#[derive(Clone)]
pub struct RedactingWriter<W> {
    inner: W,
}

impl<W> RedactingWriter<W> {
    pub fn new(inner: W) -> Self {
        Self { inner }
    }
}

pub struct Guarded<W: Write> {
    inner: W,
}

impl<W: Write> Write for Guarded<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        self.inner.write_all(redact(&text).as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl<'a, W: MakeWriter<'a>> MakeWriter<'a> for RedactingWriter<W> {
    type Writer = Guarded<W::Writer>;

    fn make_writer(&'a self) -> Self::Writer {
        Guarded {
            inner: self.inner.make_writer(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_registered_and_shaped_secrets() {
        register("s3cr3t-value-xyz");
        let line = "GET /api PRIVATE-TOKEN: glpat-abcdefghijklmnopqrstu auth=s3cr3t-value-xyz \
                    Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload api_key=sk-abcdefghijklmnopqrstuv";
        let out = redact(line);
        for leaked in ["glpat-abc", "s3cr3t-value-xyz", "eyJhbGci", "sk-abcdef"] {
            assert!(!out.contains(leaked), "{leaked} leaked in {out}");
        }
        assert!(out.contains("PRIVATE-TOKEN: [REDACTED]"), "{out}");
        assert!(out.starts_with("GET /api"));
    }

    #[test]
    fn plain_lines_pass_unchanged() {
        let line = "synced 120 issues from web/shop in 2.3s";
        assert_eq!(redact(line), line);
    }
}
