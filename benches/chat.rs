//! Chat benchmarks: the real binary in a pseudo-terminal against a local mock provider that
//! replays the recorded `OpenAI` stream.
//!
//! 1. Enter to the first token on screen, with the mock answering at once (so what is measured
//!    is our own overhead: grounding in the database, the request, decoding, drawing), next to
//!    the grounding alone and the mock's own time to first byte.
//! 2. Key-press latency while a 500 tokens/s stream is drawn: a digit typed into the input until
//!    it is on screen.
//!
//! `cargo bench --bench chat`; `SPRINTDECK_BENCH_ISSUES` sets the database size (default 10k).

#![allow(
    clippy::print_stdout,
    clippy::unwrap_used,
    clippy::panic,
    clippy::cast_precision_loss
)]

use std::io::{Read, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::response::Response;
use axum::routing::post;
use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};
use sprintdeck::clock::parse_instant;

const NOW: &str = "2026-11-18T12:00:00Z";
const QUESTION: &str = "what is blocking the checkout epic?";

mod support;
use support::{median, percentile};

/// The recorded stream's events (`data: ...` blocks).
fn events() -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/llm/chat-stream.gpt-4.1-nano.DERIVED.sse");
    std::fs::read_to_string(path)
        .unwrap()
        .split("\n\n")
        .filter(|e| !e.trim().is_empty())
        .map(|e| format!("{e}\n\n"))
        .collect()
}

/// Serves the stream: all at once, or one event per `gap` with the content repeated `times`.
async fn mock(gap: Option<Duration>, times: usize) -> String {
    let all = events();
    let (content, tail) = all.split_at(all.len() - 2);
    let mut body: Vec<String> = Vec::new();
    for _ in 0..times {
        body.extend(content.iter().cloned());
    }
    body.extend(tail.iter().cloned());
    let body = Arc::new(body);
    let app = Router::new().fallback(post(move |_request: Bytes| {
        let body = Arc::clone(&body);
        async move {
            let stream = futures_util::stream::unfold(0, move |i| {
                let body = Arc::clone(&body);
                async move {
                    let event = body.get(i)?.clone();
                    if let Some(gap) = gap {
                        tokio::time::sleep(gap).await;
                    }
                    Some((Ok::<_, std::io::Error>(Bytes::from(event)), i + 1))
                }
            });
            Response::builder()
                .header("content-type", "text/event-stream")
                .body(Body::from_stream(stream))
                .unwrap()
        }
    }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    url
}

struct Pty {
    child: Box<dyn Child + Send + Sync>,
    writer: Box<dyn Write + Send>,
    parser: Arc<Mutex<vt100::Parser>>,
    _master: Box<dyn MasterPty + Send>,
}

impl Pty {
    fn spawn(db: &Path, dir: &Path, url: &str) -> Self {
        let pair = native_pty_system()
            .openpty(PtySize {
                // Tall enough that a whole answer fits: the question stays in view.
                rows: 100,
                cols: 160,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let config = format!(
            "[llm]\nprovider = \"openai\"\nbase_url = \"{url}\"\nmodel = \"gpt-4.1-nano\"\n"
        );
        std::fs::write(dir.join("config.toml"), config).unwrap();
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_sprintdeck"));
        cmd.args(["--db", db.to_str().unwrap()]);
        cmd.env("SPRINTDECK_DATA_DIR", dir.join("data"));
        cmd.env("SPRINTDECK_CONFIG", dir.join("config.toml"));
        cmd.env("SPRINTDECK_NOW", NOW);
        cmd.env("TERM", "xterm-256color");
        let child = pair.slave.spawn_command(cmd).unwrap();
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().unwrap();
        let writer = pair.master.take_writer().unwrap();
        let parser = Arc::new(Mutex::new(vt100::Parser::new(
            std::num::NonZeroU16::new(100).unwrap(),
            std::num::NonZeroU16::new(160).unwrap(),
            0,
        )));
        let sink = Arc::clone(&parser);
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().process(&buf[..n]);
            }
        });
        Self {
            child,
            writer,
            parser,
            _master: pair.master,
        }
    }

    fn send(&mut self, text: &str) {
        self.writer.write_all(text.as_bytes()).unwrap();
        self.writer.flush().unwrap();
    }

    /// Time until `check` holds for the screen, polled every 200 µs.
    fn wait(&self, what: &str, check: impl Fn(&str) -> bool) -> Duration {
        let start = Instant::now();
        loop {
            let screen = self.parser.lock().unwrap().screen().contents();
            if check(&screen) {
                return start.elapsed();
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "no {what} within 30 s:\n{screen}"
            );
            std::thread::sleep(Duration::from_micros(200));
        }
    }

    fn open_chat(&mut self) {
        self.wait("first frame", |s| s.contains(" issues"));
        self.send("\t\t\t");
        self.wait("chat pane", |s| s.contains("ask openai gpt-4.1-nano"));
    }
}

impl Drop for Pty {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

/// Enter to the first words of the answer on screen, 10 times (each in a new conversation).
fn first_token(db: &Path, dir: &Path, url: &str) -> Vec<Duration> {
    let mut pty = Pty::spawn(db, dir, url);
    pty.open_chat();
    let mut times = Vec::new();
    for _ in 0..10 {
        pty.send(QUESTION);
        pty.wait("the question typed", |s| s.contains(QUESTION));
        pty.send("\r");
        // The whole answer may land in the first frame: any of it counts.
        times.push(pty.wait("first token", |s| {
            s.contains(&format!("you  {QUESTION}"))
                && (s.contains("Harmony") || s.contains("tokens in"))
        }));
        pty.wait("the end", |s| s.contains("tokens in"));
        // Esc to the conversation, n for a new one (which goes back to the input).
        pty.send("\x1b");
        pty.wait("the conversation keys", |s| {
            s.contains("i writes · r again")
        });
        pty.send("n");
        pty.wait("an empty pane", |s| !s.contains("you  "));
    }
    times
}

/// Digits typed while the answer streams at 500 tokens/s: each until it is on screen.
fn key_latency(db: &Path, dir: &Path, url: &str) -> Vec<Duration> {
    let mut pty = Pty::spawn(db, dir, url);
    pty.open_chat();
    // The pane reopens the last conversation: start a new one.
    pty.send("\x1b");
    pty.wait("the conversation keys", |s| {
        s.contains("i writes · r again")
    });
    pty.send("n");
    pty.wait("an empty pane", |s| !s.contains("you  "));
    pty.send(QUESTION);
    pty.send("\r");
    pty.wait("streaming", |s| s.contains("Holiday Name"));
    let mut typed = String::new();
    let mut times = Vec::new();
    for i in 0..60 {
        let digit = char::from(b'0' + u8::try_from(i % 10).unwrap());
        typed.push(digit);
        let sent = Instant::now();
        pty.send(&digit.to_string());
        let target = typed.clone();
        pty.wait("the key", move |s| s.contains(&target));
        times.push(sent.elapsed());
        std::thread::sleep(Duration::from_millis(50));
    }
    let still = pty.parser.lock().unwrap().screen().contents();
    assert!(
        !still.contains("tokens in"),
        "the stream ended before the keys did:\n{still}"
    );
    times
}

fn main() {
    let issues = support::issues(10_000);
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("chat.db");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let now = parse_instant(NOW).unwrap();
    let config: sprintdeck::config::Config = toml::from_str("[llm]\nmodel = \"m\"\n").unwrap();
    let grounding = rt.block_on(async {
        let store = support::demo_store(&db, issues).await;
        // The grounding alone (what each question costs before the request).
        let mut times = Vec::new();
        for _ in 0..10 {
            let t = Instant::now();
            let summary = sprintdeck::llm::context::store_summary(store.pool(), &config, now).await;
            sprintdeck::llm::context::build(
                store.pool(),
                QUESTION,
                None,
                summary.as_deref(),
                6_000,
                true,
            )
            .await
            .unwrap();
            times.push(t.elapsed());
        }
        store.close().await.unwrap();
        median(times)
    });
    println!("data set: {issues} issues");
    println!("grounding (sprint summary + full-text context): median {grounding:.1?}");

    let fast = rt.block_on(mock(None, 1));
    let ttfb = rt.block_on(async {
        let client = reqwest::Client::new();
        let mut times = Vec::new();
        for _ in 0..10 {
            let t = Instant::now();
            let mut r = client.post(&fast).body("{}").send().await.unwrap();
            r.chunk().await.unwrap();
            times.push(t.elapsed());
        }
        median(times)
    });
    println!("mock provider alone, first byte: median {ttfb:.1?}");
    let firsts = first_token(&db, dir.path(), &fast);
    println!(
        "Enter to first token on screen: median {:.1?}, max {:.1?} (10 questions)",
        median(firsts.clone()),
        firsts.iter().max().unwrap()
    );

    // 300 recorded events repeated 40 times at one per 2 ms: 500 tokens/s for about 24 s.
    let steady = rt.block_on(mock(Some(Duration::from_millis(2)), 40));
    let keys = key_latency(&db, dir.path(), &steady);
    println!(
        "key to screen while streaming 500 tokens/s: median {:.1?}, p95 {:.1?}, max {:.1?} (60 keys)",
        median(keys.clone()),
        percentile(keys.clone(), 0.95),
        keys.iter().max().unwrap()
    );
}
