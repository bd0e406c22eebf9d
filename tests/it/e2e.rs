//! The real binary in a pseudo-terminal: keys in, screen text out (vt100 keeps the screen).
//! No fixed sleeps: every step polls the screen until what it waits for appears, or times out.

use std::io::{Read, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, PtySize, native_pty_system};

use crate::common::NOW;

pub struct Pty {
    child: Box<dyn Child + Send + Sync>,
    writer: Box<dyn Write + Send>,
    parser: Arc<Mutex<vt100::Parser>>,
    /// Everything the program wrote, for sequences the screen does not show (OSC 52).
    raw: Arc<Mutex<Vec<u8>>>,
    // Keeps the pty open for the reader thread.
    _master: Box<dyn portable_pty::MasterPty + Send>,
}

impl Pty {
    pub fn spawn(data_dir: &Path, args: &[&str], size: (u16, u16)) -> Self {
        Self::spawn_with(data_dir, "", args, size)
    }

    /// Like `spawn`, with `config` as the config file.
    pub fn spawn_with(data_dir: &Path, config_text: &str, args: &[&str], size: (u16, u16)) -> Self {
        Self::spawn_env(data_dir, config_text, args, size, &[])
    }

    /// Like `spawn_with`, with more environment variables.
    pub fn spawn_env(
        data_dir: &Path,
        config_text: &str,
        args: &[&str],
        size: (u16, u16),
        env: &[(&str, &str)],
    ) -> Self {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: size.1,
                cols: size.0,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("pty opens");
        let config = data_dir.join("config.toml");
        std::fs::write(&config, config_text).expect("config");
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_sprintdeck"));
        cmd.args(args);
        cmd.env_clear();
        cmd.env("PATH", std::env::var("PATH").unwrap_or_default());
        cmd.env("HOME", data_dir);
        cmd.env("TERM", "xterm-256color");
        cmd.env("SPRINTDECK_DATA_DIR", data_dir.join("data"));
        cmd.env("SPRINTDECK_CONFIG", &config);
        cmd.env("SPRINTDECK_NOW", NOW);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = pair.slave.spawn_command(cmd).expect("binary starts");
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().expect("reader");
        let writer = pair.master.take_writer().expect("writer");
        let parser = Arc::new(Mutex::new(vt100::Parser::new(
            std::num::NonZeroU16::new(size.1).expect("rows"),
            std::num::NonZeroU16::new(size.0).expect("cols"),
            0,
        )));
        let sink = Arc::clone(&parser);
        let raw = Arc::new(Mutex::new(Vec::new()));
        let raw_sink = Arc::clone(&raw);
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().expect("parser").process(&buf[..n]);
                raw_sink.lock().expect("raw").extend_from_slice(&buf[..n]);
            }
        });
        Self {
            child,
            writer,
            parser,
            raw,
            _master: pair.master,
        }
    }

    pub fn screen(&self) -> String {
        self.parser.lock().expect("parser").screen().contents()
    }

    /// Polls the screen until `check` holds; panics with the screen after `timeout`.
    pub fn wait_for(&self, what: &str, check: impl Fn(&str) -> bool, timeout: Duration) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if check(&screen) {
                return screen;
            }
            assert!(
                start.elapsed() < timeout,
                "timed out waiting for {what}; screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn send(&mut self, bytes: &str) {
        self.writer
            .write_all(bytes.as_bytes())
            .expect("write to pty");
        self.writer.flush().expect("flush");
    }

    pub fn wait_exit(&mut self, timeout: Duration) -> u32 {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("child status") {
                return status.exit_code();
            }
            assert!(
                start.elapsed() < timeout,
                "the program did not exit; screen:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Whether the program wrote `bytes` anywhere in its output so far.
    pub fn wrote(&self, bytes: &[u8]) -> bool {
        self.raw
            .lock()
            .expect("raw")
            .windows(bytes.len())
            .any(|w| w == bytes)
    }

    pub fn restored(&self) -> bool {
        let parser = self.parser.lock().expect("parser");
        !parser.screen().alternate_screen() && !parser.screen().hide_cursor()
    }
}

impl Drop for Pty {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

/// The number before " issues" or " matches" in the status bar.
fn count(screen: &str) -> Option<usize> {
    let line = screen.lines().rev().find(|l| l.contains(" │ "))?;
    let words: Vec<&str> = line.split_whitespace().collect();
    words
        .windows(2)
        .find(|w| w[1] == "issues" || w[1] == "matches")
        .and_then(|w| w[0].parse().ok())
}

const WAIT: Duration = Duration::from_secs(20);

#[test]
fn filter_open_back_and_quit_in_a_real_terminal() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut pty = Pty::spawn(dir.path(), &[], (120, 36));
    let first = pty.wait_for(
        "the first rows",
        |s| count(s) == Some(1500) && s.contains("Updated"),
        WAIT,
    );
    assert!(first.contains("[demo]"), "{first}");

    pty.send("/");
    pty.wait_for(
        "the filter input",
        |s| s.lines().nth(1).is_some_and(|l| l.starts_with('/')),
        WAIT,
    );
    pty.send("type:bug");
    // Keys are drawn at once, so the screen may show an earlier prefix's answer first
    // ("type:bu" matches nothing): wait for the whole filter's.
    let filtered = pty.wait_for(
        "fewer matches",
        |s| {
            count(s).is_some_and(|n| n > 0 && n < 1500)
                && s.contains("/ type:bug")
                && s.lines().nth(3).is_some_and(|l| l.contains(" bug "))
        },
        WAIT,
    );
    let bugs = count(&filtered).expect("count");
    assert!(
        filtered
            .lines()
            .skip(3)
            .take(5)
            .all(|l| l.contains(" bug ")),
        "only bugs listed:\n{filtered}"
    );

    pty.send("\r"); // keep the filter
    pty.wait_for(
        "the filter applied",
        |s| s.contains("filter type:bug"),
        WAIT,
    );
    pty.send("\r"); // open the selected issue
    let detail = pty.wait_for(
        "the detail view",
        |s| s.contains("status history") && s.contains("local fields"),
        WAIT,
    );
    assert!(detail.contains("type       bug"), "{detail}");

    pty.send("\x1b"); // back
    let back = pty.wait_for(
        "the backlog again",
        |s| s.contains("filter type:bug") && s.contains("Updated"),
        WAIT,
    );
    assert_eq!(count(&back), Some(bugs), "the filter and its count survive");

    pty.send("q");
    assert_eq!(pty.wait_exit(WAIT), 0);
    assert!(pty.restored(), "alternate screen left and cursor shown");
}

/// The number in the dashboard tile titled `label` (the line under the tile titles).
fn tile(screen: &str, label: &str) -> Option<usize> {
    let lines: Vec<&str> = screen.lines().collect();
    let title_row = lines.iter().position(|l| l.contains(label))?;
    let column = lines[title_row].find(label)?;
    let below = lines.get(title_row + 1)?;
    let rest: String = below
        .chars()
        .skip(lines[title_row][..column].chars().count())
        .collect();
    rest.split(|c: char| !c.is_ascii_digit())
        .find(|w| !w.is_empty())?
        .parse()
        .ok()
}

#[test]
fn dashboard_overdue_opens_the_same_number_of_issues() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut pty = Pty::spawn(dir.path(), &[], (120, 36));
    pty.wait_for("the first rows", |s| count(s) == Some(1500), WAIT);
    pty.send("\t\t");
    let dash = pty.wait_for("the dashboard", |s| tile(s, "overdue").is_some(), WAIT);
    let overdue = tile(&dash, "overdue").expect("overdue tile");
    assert!(overdue > 0, "{dash}");
    pty.send("ll");
    pty.send("\r");
    // The filter line shows before the query answers: wait for the count to follow it.
    let backlog = pty.wait_for(
        "the filtered backlog with the tile's count",
        |s| s.contains("filter key:") && count(s) == Some(overdue),
        WAIT,
    );
    assert!(
        backlog.lines().filter(|l| l.starts_with('!')).count() >= overdue.min(10),
        "every listed issue is marked overdue:\n{backlog}"
    );
    pty.send("q");
    assert_eq!(pty.wait_exit(WAIT), 0);
}

#[test]
fn chat_streams_stops_and_asks_again_in_a_real_terminal() {
    use std::sync::atomic::Ordering;

    use crate::llm::{Reply, serve};

    let body = std::fs::read_to_string(crate::common::fixture(
        "llm/chat-stream.gpt-4.1-nano.DERIVED.sse",
    ))
    .expect("fixture");
    let sse = [("content-type", "text/event-stream")];
    // The first answer trickles (stopped halfway), the second comes at once.
    let mut slow = Reply::new(200, &sse, body.clone());
    slow.pause = Duration::from_millis(25);
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let (url, seen) = rt.block_on(serve(vec![slow, Reply::new(200, &sse, body)]));
    let dir = tempfile::tempdir().expect("tempdir");
    let config =
        format!("[llm]\nprovider = \"openai\"\nbase_url = \"{url}\"\nmodel = \"gpt-4.1-nano\"\n");
    let mut pty = Pty::spawn_with(dir.path(), &config, &[], (100, 30));
    pty.wait_for("the first rows", |s| count(s) == Some(1500), WAIT);
    pty.send("\t\t\t");
    pty.wait_for(
        "the chat pane",
        |s| s.contains("ask openai gpt-4.1-nano"),
        WAIT,
    );
    pty.send("describe the holiday?");
    pty.send("\r");
    pty.wait_for(
        "the answer streaming in",
        |s| s.contains("Holiday Name: Harmony Day"),
        WAIT,
    );
    pty.send("\x1b");
    let stopped = pty.wait_for("the stop", |s| s.contains("(stopped; r asks again)"), WAIT);
    assert!(!stopped.contains("tokens in"), "{stopped}");
    // The request is aborted: the server sees its body abandoned.
    let start = Instant::now();
    while seen.abandoned.load(Ordering::SeqCst) == 0 {
        assert!(
            start.elapsed() < WAIT,
            "the server never saw the disconnect"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    pty.send("r");
    let done = pty.wait_for("the whole answer", |s| s.contains("tokens in"), WAIT);
    assert!(!done.contains("(stopped"), "{done}");
    assert_eq!(seen.requests.load(Ordering::SeqCst), 2);
    assert_eq!(seen.finished.load(Ordering::SeqCst), 1);
    pty.send("q");
    assert_eq!(pty.wait_exit(WAIT), 0);
}

#[test]
fn prompt_from_an_issue_is_previewed_copied_and_listed_in_a_real_terminal() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut pty = Pty::spawn(dir.path(), &[], (120, 36));
    pty.wait_for("the first rows", |s| count(s) == Some(1500), WAIT);
    pty.send("\r");
    let detail = pty.wait_for("the detail", |s| s.contains("status history"), WAIT);
    let key = detail
        .lines()
        .nth(1)
        .and_then(|l| l.split_whitespace().next())
        .expect("the key heads the detail")
        .to_owned();
    pty.send("p");
    pty.wait_for("the templates", |s| s.contains("choose a template"), WAIT);
    pty.send("\r");
    let preview = pty.wait_for(
        "the preview",
        |s| s.contains(" tokens (") && s.contains("version 1 (new)"),
        WAIT,
    );
    assert!(
        preview.contains(&format!("You are working on {key}")),
        "{preview}"
    );
    pty.send("y");
    pty.wait_for(
        "the confirmation",
        // Outside tmux a terminal never confirms OSC 52, and the notice says so.
        |s| s.contains("sent the prompt (") && s.contains("(unconfirmed)"),
        WAIT,
    );
    assert!(
        pty.wrote(b"\x1b]52;c;"),
        "an OSC 52 sequence went to the terminal"
    );
    // Back in the detail, the version is listed.
    pty.send("\x1b");
    pty.wait_for("the detail again", |s| s.contains("status history"), WAIT);
    pty.wait_for(
        "the version in the detail",
        |s| s.contains("prompt versions") && s.contains("implement"),
        WAIT,
    );
}

/// The number after `label` in a board column's title ("In progress 16 · 44 pts").
fn column_count(screen: &str, label: &str) -> Option<usize> {
    let at = screen.find(&format!("{label} "))? + label.len() + 1;
    screen[at..]
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
}

#[test]
fn plan_apply_see_the_board_change_audit_and_undo_in_a_real_terminal() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut pty = Pty::spawn(dir.path(), &[], (120, 36));
    pty.wait_for("the first rows", |s| count(s) == Some(1500), WAIT);
    pty.send("\t");
    let board = pty.wait_for(
        "the board",
        |s| column_count(s, "In progress").is_some(),
        WAIT,
    );
    let before = column_count(&board, "In progress").expect("count");
    // To the Proposals tab (the last one), then plan the next sprint.
    pty.send("\x1b[Z\x1b[Z");
    pty.wait_for("the proposals", |s| s.contains("nothing to decide"), WAIT);
    pty.send("P");
    pty.wait_for(
        "the plan",
        |s| s.contains("Plan Sprint") && s.contains("Proposals (1)"),
        WAIT,
    );
    pty.send("a");
    pty.wait_for("applied", |s| s.contains("applied proposal"), WAIT);
    pty.send("\x1b[Z\x1b[Z\x1b[Z");
    let after = pty.wait_for(
        "the board without the carried-over work",
        |s| column_count(s, "In progress").is_some_and(|n| n < before),
        WAIT,
    );
    assert!(after.contains("In progress"), "{after}");
    pty.send("\t\t\t");
    pty.wait_for(
        "the proposals again",
        |s| s.contains("nothing to decide"),
        WAIT,
    );
    pty.send("x");
    pty.wait_for(
        "the audit entry",
        // The title, not the hint line (which also says "audit log" and "apply").
        |s| s.contains("audit log (x or esc") && s.contains("apply   #1"),
        WAIT,
    );
    pty.send("\x1b");
    // Esc on its own first: sent with the next key it would read as alt-u.
    pty.wait_for(
        "the queue again",
        |s| !s.contains("audit log (x or esc"),
        WAIT,
    );
    pty.send("u");
    pty.wait_for("undone", |s| s.contains("undid proposal"), WAIT);
    pty.send("\x1b[Z\x1b[Z\x1b[Z");
    pty.wait_for(
        "the board restored",
        |s| column_count(s, "In progress") == Some(before),
        WAIT,
    );
    pty.send("q");
    assert_eq!(pty.wait_exit(WAIT), 0);
}

#[test]
fn generate_a_backlog_fix_a_violation_apply_and_find_it_in_a_real_terminal() {
    use crate::generator::{openai_stream, text_of};
    use crate::llm::{Reply, serve};

    let sse = [("content-type", "text/event-stream")];
    // The backlog trickles in (its tree fills in live); the split the model is asked for
    // fails the size rule too, so the story stays flagged.
    let mut slow = Reply::new(200, &sse, openai_stream(&text_of("too-big")));
    slow.pause = Duration::from_millis(20);
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let (url, _) = rt.block_on(serve(vec![
        slow,
        Reply::new(200, &sse, openai_stream(&text_of("still-too-big"))),
    ]));
    let dir = tempfile::tempdir().expect("tempdir");
    let config =
        format!("[llm]\nprovider = \"openai\"\nbase_url = \"{url}\"\nmodel = \"gpt-4.1-nano\"\n");
    let mut pty = Pty::spawn_with(dir.path(), &config, &[], (120, 36));
    pty.wait_for("the first rows", |s| count(s) == Some(1500), WAIT);
    pty.send("\x1b[Z");
    pty.wait_for("the proposals", |s| s.contains("nothing to decide"), WAIT);
    pty.send("g");
    pty.wait_for("the form", |s| s.contains("backlog generator"), WAIT);
    pty.send("Accountants export a month of invoices as CSV.");
    pty.send("\t\t\x1b[H\x0b"); // to the project; clear it (home, ctrl-k)
    pty.send("OPS");
    pty.wait_for(
        "the project typed",
        |s| s.contains("Project        OPS"),
        WAIT,
    );
    pty.send("\x13"); // ctrl-s
    pty.wait_for(
        "the tree filling in",
        |s| s.contains("writing the backlog") && s.contains("▾ Invoice export"),
        WAIT,
    );
    let review = pty.wait_for(
        "the validation",
        |s| s.contains("1 error(s) to fix") && s.contains("✖  • 13 Export a month"),
        WAIT,
    );
    assert!(review.contains("could not split"), "{review}");
    // Fix it by editing: the story down to 8 points.
    pty.send("j");
    pty.send("-----");
    pty.wait_for(
        "the rules passing",
        |s| s.contains("can be applied (o opens") && !s.contains("needs_split"),
        WAIT,
    );
    pty.send("o");
    pty.wait_for(
        "the proposal in the queue",
        |s| s.contains("Backlog: Invoice export") && s.contains("Proposals (1)"),
        WAIT,
    );
    pty.send("a");
    pty.wait_for("applied", |s| s.contains("applied proposal"), WAIT);
    pty.send("\t"); // back to the backlog: four new issues
    pty.wait_for("the new issues counted", |s| count(s) == Some(1504), WAIT);
    pty.send("/");
    pty.send("invoices");
    let found = pty.wait_for(
        "the new story",
        |s| s.contains("Export a month of invoices as") && s.contains("epic  Invoice export"),
        WAIT,
    );
    assert!(found.contains("story"), "{found}");
    pty.send("\r"); // keep the filter
    pty.wait_for(
        "the filter applied",
        |s| s.contains("filter invoices"),
        WAIT,
    );
    pty.send("q");
    assert_eq!(pty.wait_exit(WAIT), 0);
}

#[test]
fn the_idea_can_be_written_in_the_users_editor() {
    let dir = tempfile::tempdir().expect("tempdir");
    // An "editor" that writes the idea into the file it is given, as a person would.
    let editor = dir.path().join("editor.sh");
    std::fs::write(
        &editor,
        "#!/bin/sh\nprintf 'Invoices by email, every month.\\nFor accountants.' > \"$1\"\n",
    )
    .expect("script");
    std::fs::set_permissions(&editor, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("executable");
    let config = "[llm]\nprovider = \"openai\"\nbase_url = \"http://127.0.0.1:9\"\nmodel = \"m\"\n";
    let editor = editor.to_string_lossy().into_owned();
    let mut pty = Pty::spawn_env(
        dir.path(),
        config,
        &[],
        (120, 36),
        &[("EDITOR", editor.as_str())],
    );
    pty.wait_for("the first rows", |s| count(s) == Some(1500), WAIT);
    pty.send("\x1b[Z");
    pty.wait_for("the proposals", |s| s.contains("nothing to decide"), WAIT);
    pty.send("g");
    pty.wait_for("the form", |s| s.contains("backlog generator"), WAIT);
    pty.send("\x05"); // ctrl-e
    let back = pty.wait_for(
        "the idea from the editor",
        |s| s.contains("Invoices by email, every month.") && s.contains("For accountants."),
        WAIT,
    );
    assert!(back.contains("backlog generator"), "the UI is back: {back}");
    pty.send("\x1b");
    pty.wait_for("the queue", |s| s.contains("nothing to decide"), WAIT);
    pty.send("q");
    assert_eq!(pty.wait_exit(WAIT), 0);
}
