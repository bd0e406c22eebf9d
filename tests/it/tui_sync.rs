//! The background sync in the UI, against the fake GitLab: ctrl-r and the timer start a pass,
//! new and changed rows appear with the selection kept, a failure shows in the status bar with
//! its retry, and the Sync view lists the runs.

use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde_json::Value;
use sprintdeck::app::Msg;
use sprintdeck::app::state::{Settings, Tab};

use crate::common::{empty_store, now};
use crate::fake_gitlab::{FakeGitlab, Fault, Paging};
use crate::gitlab_sync::{config, issues};
use crate::panes::{draw, text};
use crate::tui::Harness;

fn settings() -> Settings {
    Settings {
        sources: vec!["work".into()],
        sync_every: Some(chrono::Duration::minutes(5)),
        ..Settings::defaults("team")
    }
}

async fn ctrl_r(h: &mut Harness) {
    h.send(Msg::Key(KeyEvent::new(
        KeyCode::Char('r'),
        KeyModifiers::CONTROL,
    )))
    .await;
}

#[tokio::test]
async fn ctrl_r_syncs_and_rows_appear_with_the_selection_kept() {
    let fake = FakeGitlab::start(issues(12), Paging::Keyset).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let store = empty_store(&dir).await;
    let mut h = Harness::on(store, dir, settings(), (120, 30), Tab::Backlog).await;
    assert_eq!(h.state.backlog.matches, 0, "nothing synced yet");
    h.io.sync = Some(Arc::new(config(&fake.server.uri())));
    h.io.sources = vec!["work".into()];
    ctrl_r(&mut h).await;
    assert_eq!(h.state.backlog.matches, 12, "the pass's rows appear");
    assert!(!h.state.sync.running);
    let screen = text(&draw(&h.state));
    assert!(screen.contains("work synced"), "{screen}");
    // Select the third row, then let GitLab change the first issue (it moves to the top).
    h.key(KeyCode::Char('j')).await;
    h.key(KeyCode::Char('j')).await;
    let selected = h.selected_key().expect("a row");
    {
        let mut s = fake.state.lock().expect("lock");
        let last = s.issues.len() - 1;
        s.issues[last]["title"] = Value::from("Edited upstream");
        s.issues[last]["updated_at"] = Value::from(now().to_rfc3339());
        let mut extra = crate::fake_gitlab::issue(99, now(), false, &[]);
        extra["title"] = Value::from("Filed upstream");
        s.issues.push(extra);
    }
    // The timer starts the next pass when it is due.
    h.send(Msg::Tick(now() + chrono::Duration::minutes(6)))
        .await;
    assert_eq!(h.state.backlog.matches, 13, "the new issue is listed");
    assert_eq!(
        h.selected_key(),
        Some(selected),
        "the same issue stays selected"
    );
}

#[tokio::test]
async fn a_failed_pass_shows_its_reason_and_retries_sooner_and_the_sync_view_lists_it() {
    let fake = FakeGitlab::start(issues(3), Paging::Keyset).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let store = empty_store(&dir).await;
    let mut h = Harness::on(store, dir, settings(), (120, 30), Tab::Backlog).await;
    h.io.sync = Some(Arc::new(config(&fake.server.uri())));
    h.io.sources = vec!["work".into()];
    ctrl_r(&mut h).await;
    fake.state
        .lock()
        .expect("lock")
        .faults
        .push_back(Fault::Status(401, vec![]));
    h.state.flash = None;
    ctrl_r(&mut h).await;
    let retry = h.state.sync.next_at.expect("a retry is planned");
    assert_eq!(
        retry,
        h.state.now + chrono::Duration::seconds(30),
        "sooner than the interval"
    );
    h.state.flash = None;
    let screen = text(&draw(&h.state));
    assert!(screen.contains("work failed: "), "{screen}");
    assert!(screen.contains("retry in 30 s"), "{screen}");
    h.key(KeyCode::Char('U')).await;
    let screen = text(&draw(&h.state));
    assert!(screen.contains("sync runs"), "{screen}");
    assert!(
        screen.contains("failed") && screen.contains("bootstrap"),
        "{screen}"
    );
    let runs = &h.state.sync.view.as_ref().expect("open").runs;
    assert_eq!(runs.len(), 2, "the bootstrap and the failure");
    h.key(KeyCode::Esc).await;
    assert!(h.state.sync.view.is_none());
}
