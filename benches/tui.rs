//! TUI benchmarks on a generated 100k-issue database: start to first frame with rows (the real
//! binary in a pseudo-terminal), work per filter keystroke (update + the store queries it asks
//! for), render time of a 200x60 frame, and peak RSS. `cargo bench --bench tui`;
//! `SPRINTDECK_BENCH_ISSUES` changes the size.

#![allow(
    clippy::print_stdout,
    clippy::unwrap_used,
    clippy::panic,
    clippy::cast_precision_loss
)]

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use portable_pty::{CommandBuilder, PtySize, native_pty_system};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use sprintdeck::app::runtime::{EffectIo, perform};
use sprintdeck::app::state::{Settings, Tab};
use sprintdeck::app::{Effect, Msg, State, init, update};
use sprintdeck::clock::{Clock, parse_instant};
use sprintdeck::store::{Create, Store};

const NOW: &str = "2026-11-18T12:00:00Z";

mod support;
use support::median;

async fn settle(store: &Store, io: &EffectIo, state: &mut State, mut effects: Vec<Effect>) {
    while !effects.is_empty() {
        let mut next = Vec::new();
        for e in effects {
            if let Some(msg) = perform(store, io, e).await {
                next.extend(update(state, msg));
            }
        }
        effects = next;
    }
}

fn settings() -> Settings {
    Settings {
        is_demo: true,
        me: Some("ana.souza".into()),
        ..Settings::defaults("bench")
    }
}

/// Runs the binary on `db` in a pty with `config`; returns the time until the screen satisfies
/// `ready` and the peak RSS.
fn first_frame(
    db: &std::path::Path,
    dir: &std::path::Path,
    config: &str,
    ready: fn(&str) -> bool,
) -> (Duration, u64) {
    let pair = native_pty_system()
        .openpty(PtySize {
            rows: 60,
            cols: 200,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap();
    std::fs::write(dir.join("config.toml"), config).unwrap();
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_sprintdeck"));
    cmd.args(["--db", db.to_str().unwrap()]);
    cmd.env("SPRINTDECK_DATA_DIR", dir.join("data"));
    cmd.env("SPRINTDECK_CONFIG", dir.join("config.toml"));
    cmd.env("SPRINTDECK_NOW", NOW);
    cmd.env("TERM", "xterm-256color");
    let started = Instant::now();
    let mut child = pair.slave.spawn_command(cmd).unwrap();
    drop(pair.slave);
    let mut reader = pair.master.try_clone_reader().unwrap();
    let mut writer = pair.master.take_writer().unwrap();
    let parser = Arc::new(Mutex::new(vt100::Parser::new(
        std::num::NonZeroU16::new(60).unwrap(),
        std::num::NonZeroU16::new(200).unwrap(),
        0,
    )));
    let sink = Arc::clone(&parser);
    let seen: Arc<Mutex<Option<Duration>>> = Arc::new(Mutex::new(None));
    let seen_w = Arc::clone(&seen);
    std::thread::spawn(move || {
        let mut buf = [0u8; 8192];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            let mut p = sink.lock().unwrap();
            p.process(&buf[..n]);
            let mut seen = seen_w.lock().unwrap();
            if seen.is_none() && ready(&p.screen().contents()) {
                *seen = Some(started.elapsed());
            }
        }
    });
    let pid = child.process_id().unwrap();
    let t0 = Instant::now();
    let first = loop {
        let done = *seen.lock().unwrap();
        if let Some(t) = done {
            break t;
        }
        if t0.elapsed() > Duration::from_secs(30) {
            let screen = parser.lock().unwrap().screen().contents();
            panic!("no first frame within 30 s:\n{screen}");
        }
        std::thread::sleep(Duration::from_millis(1));
    };
    // Scroll and filter a little so the peak includes real use, then read VmHWM.
    for _ in 0..20 {
        writer.write_all(b"\x04").unwrap(); // ctrl-d: page down
    }
    writer.write_all(b"/checkout").unwrap();
    writer.flush().unwrap();
    std::thread::sleep(Duration::from_millis(500));
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let hwm_kb = status
        .lines()
        .find(|l| l.starts_with("VmHWM"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    writer.write_all(b"\x03").unwrap(); // ctrl-c quits from the filter input too
    writer.flush().unwrap();
    let _ = child.wait();
    (first, hwm_kb)
}

fn main() {
    let issues = support::issues(100_000);
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("big.db");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let now = parse_instant(NOW).unwrap();
    rt.block_on(async {
        let store = support::demo_store(&db, issues).await;
        store.close().await.unwrap();
    });
    println!("data set: {issues} issues");

    let mut firsts = Vec::new();
    let mut rss = 0;
    for _ in 0..5 {
        let (t, hwm) = first_frame(&db, dir.path(), "", |s| s.contains(" issues"));
        firsts.push(t);
        rss = rss.max(hwm);
    }
    println!(
        "process start to first frame with rows: median {:.1?} (5 runs, min {:.1?})",
        median(firsts.clone()),
        firsts.iter().min().unwrap()
    );
    println!(
        "peak RSS (VmHWM) after scrolling and filtering: {:.1} MiB",
        rss as f64 / 1024.0
    );
    dashboard_first_frame(&rt, &db, dir.path(), now);

    rt.block_on(async {
        let store = Store::open(&db, Create::MustExist).await.unwrap();
        let io = EffectIo { clock: Clock::frozen(now), history_path: dir.path().join("h"), sources: vec![], sync: None, llm: None, llm_sleeper: None, chat_summary: sprintdeck::llm::context::SummaryCache::default(), prompts: std::sync::Arc::new(sprintdeck::prompt::Setup::built_in()), config: std::sync::Arc::new(sprintdeck::config::Config::default()) };
        let mut state = State::new(settings(), now, (200, 60), Tab::Backlog);
        let effects = init(&mut state);
        settle(&store, &io, &mut state, effects).await;
        for typed in ["checkout", "status:doing", "assignee:@me is:open", "label:infra"] {
            let mut per_key = Vec::new();
            let _ = update(&mut state, Msg::Key(KeyEvent::new(KeyCode::Char('/'), KeyModifiers::NONE)));
            for c in typed.chars() {
                let t = Instant::now();
                let effects = update(&mut state, Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)));
                settle(&store, &io, &mut state, effects).await;
                per_key.push(t.elapsed());
            }
            println!(
                "filter {:<24} per keystroke: median {:>8.2?}  max {:>8.2?}  ({} matches at the end)",
                format!("{typed:?}"),
                median(per_key.clone()),
                per_key.iter().max().unwrap(),
                state.backlog.matches
            );
            let each: Vec<String> = typed
                .chars()
                .zip(&per_key)
                .map(|(c, t)| format!("{c}:{:.1}", t.as_secs_f64() * 1000.0))
                .collect();
            println!("    ms per key: {}", each.join(" "));
            let _ = update(&mut state, Msg::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)));
            settle(&store, &io, &mut state, Vec::new()).await;
            let effects = update(&mut state, Msg::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)));
            settle(&store, &io, &mut state, effects).await;
        }
        let mut terminal = Terminal::new(TestBackend::new(200, 60)).unwrap();
        let mut frames = Vec::new();
        for _ in 0..300 {
            state.dirty = true;
            let t = Instant::now();
            terminal.draw(|f| sprintdeck::ui::render(&state, f)).unwrap();
            frames.push(t.elapsed());
        }
        println!("render one 200x60 backlog frame (TestBackend): median {:.3?}", median(frames));
        store.close().await.unwrap();
    });
}

/// The dashboard as the start pane: the first frame with its numbers, without a stored snapshot
/// (every metric computed first) and with the one the previous run stored.
fn dashboard_first_frame(
    rt: &tokio::runtime::Runtime,
    db: &std::path::Path,
    dir: &std::path::Path,
    now: chrono::DateTime<chrono::Utc>,
) {
    const CONFIG: &str = "[ui]\nstart_pane = \"dashboard\"\n";
    // Tiles and the velocity panel are drawn only once a report is there.
    let ready: fn(&str) -> bool = |s| s.contains("velocity") && s.contains("overdue");
    let clear = || {
        rt.block_on(async {
            let store = Store::open(db, Create::MustExist).await.unwrap();
            store
                .writer()
                .transaction(|c| {
                    Box::pin(async move {
                        sqlx::query("DELETE FROM report_snapshots")
                            .execute(&mut *c)
                            .await?;
                        Ok(())
                    })
                })
                .await
                .unwrap();
            store.close().await.unwrap();
        });
    };
    let mut cold = Vec::new();
    for _ in 0..3 {
        clear();
        cold.push(first_frame(db, dir, CONFIG, ready).0);
    }
    // Store the default view's report the way the app does, then start again.
    rt.block_on(async {
        let store = Store::open(db, Create::MustExist).await.unwrap();
        let io = EffectIo {
            clock: Clock::frozen(now),
            history_path: dir.join("h"),
            sources: vec![],
            sync: None,
            llm: None,
            llm_sleeper: None,
            chat_summary: sprintdeck::llm::context::SummaryCache::default(),
            prompts: std::sync::Arc::new(sprintdeck::prompt::Setup::built_in()),
            config: std::sync::Arc::new(sprintdeck::config::Config::default()),
        };
        let mut state = State::new(settings(), now, (200, 60), Tab::Dashboard);
        let effects = init(&mut state);
        settle(&store, &io, &mut state, effects).await;
        store.close().await.unwrap();
    });
    let mut warm = Vec::new();
    for _ in 0..5 {
        warm.push(first_frame(db, dir, CONFIG, ready).0);
    }
    println!(
        "dashboard first frame with numbers: no snapshot median {:.1?} (3 runs); stored snapshot median {:.1?} (5 runs, min {:.1?})",
        median(cold),
        median(warm.clone()),
        warm.iter().min().unwrap()
    );
}
