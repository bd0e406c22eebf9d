//! `update` driven against a real demo database: every effect is performed by the same code the
//! runtime uses, and its answer fed back, until the state settles.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use sprintdeck::app::runtime::{EffectIo, Executor, is_desktop, perform};
use sprintdeck::app::state::{Settings, State, Tab};
use sprintdeck::app::{Effect, Msg, init, update};
use sprintdeck::clock::Clock;
use sprintdeck::store::Store;

use crate::common::{demo_store, now};

pub fn settings() -> Settings {
    Settings {
        is_demo: true,
        me: Some("ana.souza".into()),
        views: vec![sprintdeck::config::SavedView {
            name: "My open".into(),
            query: "assignee:@me is:open".into(),
        }],
        ..Settings::defaults("demo")
    }
}

pub struct Harness {
    pub state: State,
    pub store: std::sync::Arc<Store>,
    /// What effects need besides the store; a test may change it between keys.
    pub io: EffectIo,
    /// Effects on the user's desktop (copy, open, the editor), kept for assertions: the event
    /// loop carries them out in the real program.
    pub outside: Vec<Effect>,
    /// Every message the executor answered with, by kind, in arrival order.
    pub received: Vec<&'static str>,
    /// Every effect handed to the executor or the desktop, in order.
    pub dispatched: Vec<Effect>,
    exec: Executor,
    rx: tokio::sync::mpsc::Receiver<Msg>,
    dir: tempfile::TempDir,
}

impl Harness {
    pub async fn new(size: (u16, u16)) -> Self {
        Self::with(settings(), size, Tab::Backlog).await
    }

    /// A harness on a fresh demo database, starting on `tab` with `settings`.
    pub async fn with(settings: Settings, size: (u16, u16), tab: Tab) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = demo_store(&dir).await;
        Self::on(store, dir, settings, size, tab).await
    }

    /// A harness on an existing store (its directory kept alive with it).
    pub async fn on(
        store: Store,
        dir: tempfile::TempDir,
        settings: Settings,
        size: (u16, u16),
        tab: Tab,
    ) -> Self {
        let io = EffectIo {
            clock: Clock::frozen(now()),
            history_path: dir.path().join("history"),
            sources: vec![],
            sync: None,
            llm: None,
            llm_sleeper: None,
            chat_summary: sprintdeck::llm::context::SummaryCache::default(),
            // Who decides and renders: fixed, so no test depends on the login name.
            prompts: std::sync::Arc::new(sprintdeck::prompt::Setup {
                author: "ana.souza".into(),
                ..sprintdeck::prompt::Setup::built_in()
            }),
            config: std::sync::Arc::new(sprintdeck::config::Config::default()),
        };
        let store = std::sync::Arc::new(store);
        let (exec, rx) = Executor::new(std::sync::Arc::clone(&store), io.clone());
        let mut state = State::new(settings, now(), size, tab);
        let effects = init(&mut state);
        let mut h = Self {
            state,
            store,
            io,
            outside: Vec::new(),
            received: Vec::new(),
            dispatched: Vec::new(),
            exec,
            rx,
            dir,
        };
        h.run(effects).await;
        h
    }

    /// Hands `effects` to the production executor and feeds its answers to `update` until
    /// nothing runs and nothing is queued.
    pub async fn run(&mut self, effects: Vec<Effect>) {
        self.dispatch(effects);
        self.settle_until(|_| false).await;
    }

    /// Hands `effects` to the executor without waiting for their answers.
    pub fn dispatch(&mut self, effects: Vec<Effect>) {
        // A test may have changed what effects need since the last ones.
        self.exec.io = self.io.clone();
        for effect in effects {
            self.dispatched.push(effect.clone());
            if is_desktop(&effect) {
                self.outside.push(effect);
            } else {
                self.exec.run(effect);
            }
        }
    }

    /// Feeds answers to `update` until `done` holds or everything has settled.
    pub async fn settle_until(&mut self, done: impl Fn(&State) -> bool) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_mins(1);
        loop {
            if done(&self.state) {
                return;
            }
            let msg = match self.rx.try_recv() {
                Ok(msg) => msg,
                // Every task has ended, so every answer is queued already: none left.
                Err(_) if self.exec.idle() => match self.rx.try_recv() {
                    Ok(msg) => msg,
                    Err(_) => return,
                },
                Err(_) => {
                    assert!(
                        std::time::Instant::now() < deadline,
                        "effects still running after 60 s"
                    );
                    match tokio::time::timeout(std::time::Duration::from_millis(5), self.rx.recv())
                        .await
                    {
                        Ok(Some(msg)) => msg,
                        _ => continue,
                    }
                }
            };
            self.received.push(kind(&msg));
            let effects = update(&mut self.state, msg);
            self.dispatch(effects);
        }
    }

    pub async fn send(&mut self, msg: Msg) {
        let effects = update(&mut self.state, msg);
        self.run(effects).await;
    }

    pub async fn key(&mut self, code: KeyCode) {
        self.send(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
            .await;
    }

    pub async fn keys(&mut self, text: &str) {
        for c in text.chars() {
            self.key(KeyCode::Char(c)).await;
        }
    }

    /// The store and its directory, to open the same database again.
    pub fn into_parts(self) -> (Store, tempfile::TempDir) {
        let Self {
            store, dir, exec, ..
        } = self;
        // The executor's tasks hold the store too: they end with it.
        drop(exec);
        let store = std::sync::Arc::try_unwrap(store)
            .unwrap_or_else(|_| panic!("a task still holds the store"));
        (store, dir)
    }

    pub fn selected_key(&self) -> Option<String> {
        self.state.backlog.selected_row().map(|r| r.key.clone())
    }
}

/// A message's kind, for assertions on what arrived.
fn kind(msg: &Msg) -> &'static str {
    match msg {
        Msg::BacklogLoaded { .. } => "BacklogLoaded",
        Msg::WindowLoaded { .. } => "WindowLoaded",
        Msg::ChatEvents { .. } => "ChatEvents",
        Msg::GeneratorProgress { .. } => "GeneratorProgress",
        Msg::GeneratorDone { .. } => "GeneratorDone",
        Msg::Sync(_) => "Sync",
        Msg::SyncDone(_) => "SyncDone",
        Msg::Notice { .. } => "Notice",
        _ => "other",
    }
}

#[tokio::test]
async fn first_load_shows_rows_from_sqlite() {
    let h = Harness::new((120, 40)).await;
    let b = &h.state.backlog;
    assert!(b.loaded);
    assert_eq!(b.matches, 1500);
    assert!(b.window.rows.len() >= 38, "the window covers the screen");
    assert!(h.selected_key().is_some());
}

#[tokio::test]
async fn typing_a_filter_updates_results_on_every_keystroke() {
    let mut h = Harness::new((120, 40)).await;
    h.key(KeyCode::Char('/')).await;
    assert!(h.state.filter.open);
    h.keys("type:bug").await;
    assert_eq!(h.state.filter.text(), "type:bug");
    let bugs = h.state.backlog.matches;
    assert!(bugs > 0 && bugs < 1500, "{bugs}");
    assert!(
        h.state
            .backlog
            .window
            .rows
            .iter()
            .all(|r| r.issue_type == "bug"),
        "rows follow the filter"
    );
    // A broken query keeps the last good results and shows the error at its column.
    h.keys(" is").await;
    let before = h.state.backlog.matches;
    h.keys(":").await;
    let error = h.state.filter.error.clone().expect("parse error");
    assert_eq!(error.column, 13);
    assert_eq!(h.state.backlog.matches, before);
    h.keys("open").await;
    assert!(h.state.filter.error.is_none());
    let open_bugs = h.state.backlog.matches;
    assert!(open_bugs < bugs);
    h.key(KeyCode::Enter).await;
    assert!(!h.state.filter.open);
    assert_eq!(h.state.backlog.query_text, "type:bug is:open");
    assert_eq!(h.state.filter.history, vec!["type:bug is:open"]);
    let saved = std::fs::read_to_string(&h.io.history_path).expect("history persisted");
    assert_eq!(saved, "type:bug is:open\n");
}

#[tokio::test]
async fn esc_in_the_filter_restores_the_previous_filter() {
    let mut h = Harness::new((120, 40)).await;
    h.key(KeyCode::Char('/')).await;
    h.keys("type:epic").await;
    h.key(KeyCode::Enter).await;
    let epics = h.state.backlog.matches;
    h.key(KeyCode::Char('/')).await;
    h.keys(" is:closed").await;
    assert!(h.state.backlog.matches < epics);
    h.key(KeyCode::Esc).await;
    assert_eq!(h.state.backlog.query_text, "type:epic");
    assert_eq!(h.state.backlog.matches, epics);
    // History recalls the applied filter.
    h.key(KeyCode::Esc).await; // clears the filter in the table
    assert_eq!(h.state.backlog.matches, 1500);
    h.key(KeyCode::Char('/')).await;
    h.key(KeyCode::Up).await;
    assert_eq!(h.state.filter.text(), "type:epic");
    assert_eq!(h.state.backlog.matches, epics);
}

#[tokio::test]
async fn stale_results_are_dropped() {
    let mut h = Harness::new((120, 40)).await;
    let old_generation = h.state.backlog.generation;
    let effects = update(
        &mut h.state,
        Msg::Key(KeyEvent::new(KeyCode::Char('/'), KeyModifiers::NONE)),
    );
    assert!(effects.is_empty());
    // Two keystrokes: the first query's answer arrives after the second was sent.
    let first = update(
        &mut h.state,
        Msg::Key(KeyEvent::new(KeyCode::Char('x'), KeyModifiers::NONE)),
    );
    let second = update(
        &mut h.state,
        Msg::Key(KeyEvent::new(KeyCode::Char('y'), KeyModifiers::NONE)),
    );
    assert!(h.state.backlog.generation > old_generation + 1);
    let first_answer = perform(&h.store, &h.io, first[0].clone())
        .await
        .expect("answer");
    update(&mut h.state, first_answer);
    assert_eq!(
        h.state.backlog.matches, 1500,
        "the answer for `x` is stale and ignored"
    );
    h.run(second).await;
    assert_eq!(h.state.filter.text(), "xy");
    assert_eq!(h.state.backlog.matches, 0, "`xy` matches nothing");
}

#[tokio::test]
async fn navigation_loads_windows_beyond_the_first_page() {
    let mut h = Harness::new((120, 40)).await;
    h.key(KeyCode::Char('G')).await;
    assert_eq!(h.state.backlog.selected, 1499);
    let last = h.selected_key().expect("last row loaded");
    h.key(KeyCode::Char('g')).await;
    h.key(KeyCode::Char('g')).await;
    assert_eq!(h.state.backlog.selected, 0);
    assert_ne!(h.selected_key().expect("first row"), last);
    for _ in 0..3 {
        h.send(Msg::Key(KeyEvent::new(
            KeyCode::Char('d'),
            KeyModifiers::CONTROL,
        )))
        .await;
    }
    assert_eq!(h.state.backlog.selected, 3 * 37);
    assert!(h.selected_key().is_some());
}

#[tokio::test]
async fn sort_and_group_keys() {
    let mut h = Harness::new((120, 40)).await;
    h.key(KeyCode::Char('s')).await;
    let sort = h.state.backlog.effective_sort();
    assert_eq!(
        sort.field,
        sprintdeck::domain::query::SortField::Key,
        "s moves from updated to the first column"
    );
    let first = h.selected_key().expect("row");
    h.key(KeyCode::Char('S')).await;
    assert!(h.state.backlog.effective_sort().descending);
    assert_ne!(h.selected_key().expect("row"), first);

    h.key(KeyCode::Char('v')).await;
    assert_eq!(
        h.state.backlog.grouping.by,
        sprintdeck::store::filter::GroupBy::Epic
    );
    assert!(h.state.backlog.grouped());
    let groups = h.state.backlog.groups.len();
    assert!(groups > 10);
    assert_eq!(h.state.backlog.display_len(), 1500 + groups);
    // The first line is a group header; space folds it.
    assert!(h.state.backlog.selected_row().is_none());
    let first_group = h.state.backlog.groups[0].count;
    h.key(KeyCode::Char(' ')).await;
    assert!(h.state.backlog.groups[0].collapsed);
    assert_eq!(h.state.backlog.display_len(), 1500 - first_group + groups);
    h.key(KeyCode::Enter).await; // Enter on a header unfolds it again
    assert!(!h.state.backlog.groups[0].collapsed);
    h.key(KeyCode::Char('j')).await;
    let in_group = h
        .state
        .backlog
        .selected_row()
        .expect("a row under the first header")
        .clone();
    assert!(!in_group.title.is_empty());
}

#[tokio::test]
async fn detail_opens_follows_links_and_goes_back() {
    let mut h = Harness::new((120, 40)).await;
    h.key(KeyCode::Char('/')).await;
    h.keys("is:blocked").await;
    h.key(KeyCode::Enter).await;
    let key = h.selected_key().expect("a blocked issue");
    h.key(KeyCode::Enter).await;
    let detail = h.state.detail.as_ref().expect("detail open");
    let data = detail.data.as_ref().expect("loaded");
    assert_eq!(data.row.key, key);
    assert!(data.links.iter().any(|l| l.relation == "blocked by"));
    assert!(!detail.timeline.is_empty());
    let target = data.links[0].key.clone();
    h.key(KeyCode::Enter).await; // follow the first link
    assert_eq!(
        h.state
            .detail
            .as_ref()
            .and_then(|d| d.data.as_ref())
            .map(|d| d.row.key.clone()),
        Some(target)
    );
    h.key(KeyCode::Esc).await;
    assert_eq!(
        h.state
            .detail
            .as_ref()
            .and_then(|d| d.data.as_ref())
            .map(|d| d.row.key.clone()),
        Some(key)
    );
    h.key(KeyCode::Esc).await;
    assert!(h.state.detail.is_none());
    assert_eq!(
        h.state.backlog.query_text, "is:blocked",
        "the filter survives"
    );
}

#[tokio::test]
async fn local_fields_are_edited_in_place_and_validated() {
    let mut h = Harness::new((120, 40)).await;
    h.key(KeyCode::Enter).await;
    let links = h
        .state
        .detail
        .as_ref()
        .map(sprintdeck::app::state::Detail::link_count)
        .expect("detail");
    for _ in 0..links + 2 {
        h.key(KeyCode::Char('j')).await; // down to "target date"
    }
    h.key(KeyCode::Char('e')).await;
    assert!(h.state.detail.as_ref().is_some_and(|d| d.editing.is_some()));
    h.keys("friday").await;
    h.key(KeyCode::Enter).await;
    let error = h
        .state
        .detail
        .as_ref()
        .and_then(|d| d.editing.as_ref())
        .and_then(|e| e.error.clone());
    assert_eq!(
        error.as_deref(),
        Some("`friday` is not a date: use YYYY-MM-DD")
    );
    for _ in 0..6 {
        h.key(KeyCode::Backspace).await;
    }
    h.keys("2026-12-24").await;
    h.key(KeyCode::Enter).await;
    let d = h.state.detail.as_ref().expect("detail");
    assert!(d.editing.is_none());
    assert_eq!(
        d.data
            .as_ref()
            .and_then(|d| d.overrides.target_date.clone())
            .as_deref(),
        Some("2026-12-24")
    );
    assert_eq!(
        h.state.flash.as_ref().map(|f| f.text.as_str()),
        Some("saved target date")
    );
}

#[tokio::test]
async fn read_only_refuses_writes_and_says_so() {
    let mut h = Harness::new((120, 40)).await;
    h.state.settings.read_only = true;
    h.key(KeyCode::Enter).await;
    h.key(KeyCode::Char('e')).await;
    assert!(h.state.detail.as_ref().is_some_and(|d| d.editing.is_none()));
    let flash = h.state.flash.clone().expect("told why");
    assert!(
        flash.error && flash.text.starts_with("read-only mode"),
        "{}",
        flash.text
    );
}

#[tokio::test]
async fn copy_and_open_become_effects_with_the_key_and_url() {
    let mut h = Harness::new((120, 40)).await;
    let key = h.selected_key().expect("row");
    h.key(KeyCode::Char('y')).await;
    h.key(KeyCode::Char('Y')).await;
    h.key(KeyCode::Char('o')).await;
    match &h.outside[..] {
        [
            Effect::Copy { text: k, .. },
            Effect::Copy { text: url, .. },
            Effect::OpenUrl(open),
        ] => {
            assert_eq!(*k, key);
            assert!(url.starts_with("https://") && url == open);
        }
        other => panic!("unexpected effects {other:?}"),
    }
}

#[tokio::test]
async fn saved_views_tabs_help_quit_and_chords() {
    let mut h = Harness::new((120, 40)).await;
    h.key(KeyCode::Char('1')).await;
    assert_eq!(h.state.backlog.query_text, "assignee:@me is:open");
    h.key(KeyCode::Char('0')).await;
    assert_eq!(h.state.backlog.query_text, "");
    h.key(KeyCode::Char('7')).await;
    assert!(h.state.flash.as_ref().is_some_and(|f| f.error));
    h.key(KeyCode::Tab).await;
    assert_eq!(h.state.tab, Tab::Board);
    h.send(Msg::Key(KeyEvent::new(
        KeyCode::BackTab,
        KeyModifiers::SHIFT,
    )))
    .await;
    assert_eq!(h.state.tab, Tab::Backlog);
    h.key(KeyCode::Char('?')).await;
    assert!(h.state.help);
    h.key(KeyCode::Char('j')).await;
    assert!(h.state.help, "keys do not leak through the help");
    assert_eq!(h.state.backlog.selected, 0);
    assert_eq!(h.state.help_scroll, 1, "j scrolls the help");
    h.key(KeyCode::Esc).await;
    assert!(!h.state.help);
    h.key(KeyCode::Char('g')).await;
    assert_eq!(
        h.state.pending_keys.len(),
        1,
        "waiting for the rest of `g g`"
    );
    h.key(KeyCode::Char('j')).await;
    assert!(h.state.pending_keys.is_empty());
    assert_eq!(
        h.state.backlog.selected, 1,
        "an abandoned chord lets the next key act"
    );
    h.key(KeyCode::Char('/')).await;
    h.key(KeyCode::Char('q')).await;
    assert!(!h.state.quit, "q types into the filter");
    assert_eq!(h.state.filter.text(), "q");
    h.send(Msg::Key(KeyEvent::new(
        KeyCode::Char('c'),
        KeyModifiers::CONTROL,
    )))
    .await;
    assert!(h.state.quit, "ctrl-c quits even from the filter");
}

#[tokio::test]
async fn a_tiny_terminal_recovers_when_resized() {
    let mut h = Harness::new((120, 40)).await;
    h.send(Msg::Resize(30, 8)).await;
    assert!(h.state.too_small());
    h.key(KeyCode::Char('j')).await;
    assert_eq!(h.state.backlog.selected, 0, "keys other than quit wait");
    h.send(Msg::Resize(100, 30)).await;
    assert!(!h.state.too_small());
    h.key(KeyCode::Char('j')).await;
    assert_eq!(h.state.backlog.selected, 1);
}

#[tokio::test]
async fn mouse_selects_rows_and_tabs_and_scrolls() {
    use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
    let mut h = Harness::new((120, 40)).await;
    let click = |column, row| {
        Msg::Mouse(MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column,
            row,
            modifiers: KeyModifiers::NONE,
        })
    };
    h.send(click(10, 7)).await; // tab bar on row 0, header on row 1: row 7 is the 6th issue
    assert_eq!(h.state.backlog.selected, 5);
    h.send(Msg::Mouse(MouseEvent {
        kind: MouseEventKind::ScrollDown,
        column: 10,
        row: 10,
        modifiers: KeyModifiers::NONE,
    }))
    .await;
    assert_eq!(h.state.backlog.selected, 8);
    h.send(click(12, 0)).await; // " Board " starts at column 10
    assert_eq!(h.state.tab, Tab::Board);
}

#[tokio::test]
async fn dashboard_loads_and_a_tile_opens_exactly_its_issues() {
    let mut h = Harness::new((120, 40)).await;
    h.key(KeyCode::Tab).await;
    h.key(KeyCode::Tab).await;
    assert_eq!(h.state.tab, Tab::Dashboard);
    assert!(
        h.state.dashboard.error.is_none(),
        "{:?}",
        h.state.dashboard.error
    );
    let report = h.state.dashboard.report.clone().expect("dashboard loaded");
    let overdue = report.counts.overdue.count;
    assert!(overdue > 0);
    h.key(KeyCode::Char('l')).await;
    h.key(KeyCode::Char('l')).await;
    assert_eq!(h.state.dashboard.tile, 2, "the overdue tile");
    h.key(KeyCode::Enter).await;
    assert_eq!(h.state.tab, Tab::Backlog);
    assert!(h.state.backlog.query_text.starts_with("key:"));
    assert_eq!(
        h.state.backlog.matches, overdue,
        "the backlog shows exactly the issues behind the number"
    );
}

#[test]
fn starting_on_the_dashboard_loads_it() {
    let mut state = State::new(settings(), now(), (120, 40), Tab::Dashboard);
    let effects = init(&mut state);
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::LoadDashboard { .. })),
        "{effects:?}"
    );
}

#[tokio::test]
async fn board_shows_the_active_sprint_in_columns() {
    let mut h = Harness::new((120, 40)).await;
    h.key(KeyCode::Char('/')).await;
    h.keys("sprint:current").await;
    h.key(KeyCode::Enter).await;
    let in_sprint = h.state.backlog.matches;
    h.key(KeyCode::Tab).await;
    assert_eq!(h.state.tab, Tab::Board);
    let b = &h.state.board;
    assert!(b.loaded);
    assert_eq!(b.card_count(), in_sprint, "every sprint issue on the board");
    assert!(
        b.columns[1]
            .cards
            .iter()
            .all(|r| r.status_category == "in_progress")
    );
    assert!(
        b.columns[2]
            .cards
            .iter()
            .all(|r| r.status_category == "done")
    );
    h.key(KeyCode::Char('l')).await;
    h.key(KeyCode::Char('j')).await;
    assert_eq!(
        (h.state.board.column, h.state.board.columns[1].selected),
        (1, 1)
    );
    let key = h
        .state
        .board
        .selected()
        .map(|r| r.key.clone())
        .expect("a card");
    h.key(KeyCode::Enter).await;
    assert_eq!(h.state.tab, Tab::Backlog);
    assert_eq!(
        h.state
            .detail
            .as_ref()
            .and_then(|d| d.data.as_ref())
            .map(|d| d.row.key.clone()),
        Some(key)
    );
}

async fn scalar(h: &Harness, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(h.store.pool())
        .await
        .expect(sql)
}

#[tokio::test]
async fn moving_a_card_records_the_change_with_its_expected_status() {
    let mut h = Harness::new((120, 40)).await;
    h.key(KeyCode::Tab).await;
    let card = h.state.board.selected().cloned().expect("a to-do card");
    let todo_before = h.state.board.columns[0].cards.len();
    h.key(KeyCode::Char('L')).await;
    let flash = h.state.flash.clone().expect("told");
    assert!(
        !flash.error && flash.text.contains("pending push"),
        "{}",
        flash.text
    );
    assert_eq!(h.state.board.columns[0].cards.len(), todo_before - 1);
    let moved = h.state.board.columns[1]
        .cards
        .iter()
        .find(|c| c.id == card.id)
        .expect("now in progress");
    assert_eq!(moved.status_category, "in_progress");
    assert!(
        h.state.board.pending.contains(&card.id),
        "marked pending push"
    );
    let screen = crate::panes::text(&crate::panes::draw(&h.state));
    assert!(
        screen.contains("⇡ pending push"),
        "the card shows the mark:\n{screen}"
    );
    assert_eq!(
        scalar(
            &h,
            "SELECT count(*) FROM outbox WHERE state = 'pending' AND operation = 'set_status'"
        )
        .await,
        1
    );
    assert_eq!(
        scalar(
            &h,
            "SELECT count(*) FROM status_events WHERE source = 'manual'"
        )
        .await,
        1
    );
    let payload: String = sqlx::query_scalar("SELECT payload_json FROM outbox")
        .fetch_one(h.store.pool())
        .await
        .expect("payload");
    assert!(
        payload.contains(&format!("\"from\":\"{}\"", card.status)),
        "{payload}"
    );
}

#[tokio::test]
async fn a_move_on_a_stale_card_is_refused_and_writes_nothing() {
    let mut h = Harness::new((120, 40)).await;
    h.key(KeyCode::Tab).await;
    let card = h.state.board.selected().cloned().expect("a card");
    // A sync changes the issue after the board was drawn.
    let id = card.id;
    h.store
        .writer()
        .transaction(move |c| {
            Box::pin(async move {
                sqlx::query("UPDATE issues SET status = 'Triaged' WHERE id = ?")
                    .bind(id)
                    .execute(&mut *c)
                    .await?;
                Ok(())
            })
        })
        .await
        .expect("changed underneath");
    h.key(KeyCode::Char('L')).await;
    let flash = h.state.flash.clone().expect("told why");
    assert!(
        flash.error && flash.text.contains("changed since the board was loaded"),
        "{}",
        flash.text
    );
    assert_eq!(scalar(&h, "SELECT count(*) FROM outbox").await, 0);
    assert_eq!(
        scalar(
            &h,
            "SELECT count(*) FROM status_events WHERE source = 'manual'"
        )
        .await,
        0
    );
    h.state.settings.read_only = true;
    h.key(KeyCode::Char('L')).await;
    assert!(
        h.state
            .flash
            .as_ref()
            .is_some_and(|f| f.text.starts_with("read-only mode"))
    );
}

#[tokio::test]
async fn board_swimlanes_keep_each_lane_together() {
    use sprintdeck::app::state::Swimlanes;
    let mut h = Harness::new((120, 40)).await;
    h.key(KeyCode::Tab).await;
    let total = h.state.board.card_count();
    h.key(KeyCode::Char('v')).await;
    assert_eq!(h.state.board.swimlanes, Swimlanes::Assignee);
    assert_eq!(h.state.board.card_count(), total, "no card lost");
    for column in &h.state.board.columns {
        let lanes: Vec<Option<sprintdeck::domain::text::SafeText>> = column
            .cards
            .iter()
            .map(|c| Swimlanes::Assignee.lane(c))
            .collect();
        let mut sorted = lanes.clone();
        sorted.sort();
        assert_eq!(lanes, sorted, "cards of a lane are together");
    }
    h.key(KeyCode::Char('v')).await;
    assert_eq!(h.state.board.swimlanes, Swimlanes::Parent);
    h.key(KeyCode::Char('v')).await;
    assert_eq!(h.state.board.swimlanes, Swimlanes::Off);
}

#[tokio::test]
async fn dashboard_people_and_aging_rows_open_their_issues() {
    let mut h = Harness::new((120, 40)).await;
    h.key(KeyCode::Tab).await;
    h.key(KeyCode::Tab).await;
    let report = h.state.dashboard.report.clone().expect("loaded");
    let first = report.people[0].clone();
    for _ in 0..5 {
        h.key(KeyCode::Char('j')).await; // past the five tiles to the first person
    }
    h.key(KeyCode::Enter).await;
    assert_eq!(
        h.state.backlog.query_text,
        format!("assignee:\"{}\" is:open", first.person)
    );
    assert_eq!(
        h.state.backlog.matches, first.open,
        "the person's open count"
    );
    h.key(KeyCode::Tab).await;
    h.key(KeyCode::Tab).await;
    for _ in 0..report.people.len() {
        h.key(KeyCode::Char('j')).await; // to the first aging item
    }
    h.key(KeyCode::Enter).await;
    assert_eq!(
        h.state.backlog.query_text,
        format!("key:{}", report.aging_wip[0].key)
    );
    assert_eq!(h.state.backlog.matches, 1);
}

#[tokio::test]
async fn brackets_step_through_sprints_on_the_dashboard_and_board() {
    let mut h = Harness::new((120, 40)).await;
    h.key(KeyCode::Tab).await; // board: the active sprint
    let active = h
        .state
        .board
        .columns
        .iter()
        .flat_map(|c| &c.cards)
        .find_map(|c| c.sprint.clone())
        .expect("a sprint");
    assert_eq!(active, "Sprint 47");
    h.key(KeyCode::Char('[')).await;
    assert_eq!(h.state.board.sprint.as_deref(), Some("Sprint 46"));
    assert!(
        h.state.board.columns[2].cards.len() > 10,
        "a closed sprint is mostly done"
    );
    h.key(KeyCode::Tab).await; // dashboard
    assert_eq!(
        h.state
            .dashboard
            .report
            .as_ref()
            .and_then(|r| r.sprint.as_ref())
            .map(|s| s.name.clone())
            .as_deref(),
        Some("Sprint 47")
    );
    h.key(KeyCode::Char('[')).await;
    let report = h.state.dashboard.report.clone().expect("reloaded");
    let sprint = report.sprint.clone().expect("a sprint");
    assert_eq!(sprint.name, "Sprint 46");
    assert_eq!(sprint.days_left, Some(0));
    h.key(KeyCode::Char(']')).await;
    h.key(KeyCode::Char(']')).await;
    h.key(KeyCode::Char(']')).await;
    assert_eq!(
        h.state.dashboard.sprint.as_deref(),
        Some("Sprint 48"),
        "clamped at the last sprint"
    );
}
