use std::path::Path;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use rstest::rstest;
use sprintdeck::keymap::{Action, Context, Key, Keymap, Lookup};

fn key(code: KeyCode) -> Key {
    Key::from_event(&KeyEvent::new(code, KeyModifiers::NONE)).expect("a key")
}

fn load(name: &str) -> Result<Keymap, sprintdeck::keymap::KeymapError> {
    Keymap::load(Some(Path::new(&format!("tests/fixtures/keymap/{name}"))))
}

#[test]
fn the_default_keymap_is_valid_and_has_vim_and_arrow_keys() {
    let map = Keymap::load(None).expect("default keymap");
    for (code, action) in [
        (KeyCode::Char('j'), Action::Down),
        (KeyCode::Down, Action::Down),
        (KeyCode::Char('k'), Action::Up),
        (KeyCode::Up, Action::Up),
    ] {
        assert_eq!(
            map.lookup(Context::Backlog, &[key(code)]),
            Lookup::Action(action)
        );
    }
    let g = key(KeyCode::Char('g'));
    assert_eq!(map.lookup(Context::Backlog, &[g]), Lookup::Pending);
    assert_eq!(
        map.lookup(Context::Backlog, &[g, g]),
        Lookup::Action(Action::Top)
    );
    assert_eq!(
        map.lookup(Context::Backlog, &[key(KeyCode::Char('q'))]),
        Lookup::Action(Action::Quit),
        "global applies"
    );
    assert_eq!(
        map.lookup(Context::Detail, &[key(KeyCode::Char('q'))]),
        Lookup::Action(Action::Back),
        "context wins"
    );
    assert_eq!(
        map.lookup(Context::Filter, &[key(KeyCode::Char('q'))]),
        Lookup::Unbound,
        "typing q in the filter types q"
    );
    assert_eq!(
        map.lookup(Context::Backlog, &[key(KeyCode::Char('3'))]),
        Lookup::Action(Action::View(3))
    );
}

#[test]
fn a_user_file_overrides_by_context_and_chord() {
    let map = load("valid-override.toml").expect("valid");
    assert_eq!(
        map.lookup(Context::Backlog, &[key(KeyCode::Char('o'))]),
        Lookup::Action(Action::Open)
    );
    let shift_o =
        Key::from_event(&KeyEvent::new(KeyCode::Char('O'), KeyModifiers::SHIFT)).expect("key");
    assert_eq!(
        map.lookup(Context::Backlog, &[shift_o]),
        Lookup::Action(Action::OpenUrl)
    );
    assert_eq!(
        map.lookup(Context::Backlog, &[key(KeyCode::Enter)]),
        Lookup::Action(Action::Open),
        "other defaults stay"
    );
    let z = key(KeyCode::Char('z'));
    assert_eq!(
        map.lookup(Context::Backlog, &[z, z]),
        Lookup::Action(Action::Top)
    );
    assert_eq!(map.keys_for(Context::Backlog, Action::OpenUrl), vec!["O"]);
}

#[rstest]
#[case(
    "unknown-action.toml",
    "keymap error in tests/fixtures/keymap/unknown-action.toml, line 3: unknown action `explode` for `x` in [backlog]; actions are quit, help, next-tab, prev-tab, refresh, up, down, top, bottom, page-up, page-down, open, back, close, filter, clear-filter, sort-next, sort-reverse, group-next, toggle-group, open-url, copy-key, copy-url, edit, save, apply, cancel, confirm, history-prev, history-next, burndown, left, right, move-left, move-right, prev-sprint, next-sprint, next-range, prev-range, next-project, sync-view, prompt, next-field, prev-field, send, newline, follow, write, next-issue, retry, new, toggle-context, toggle-reasoning, next-model, conversations, open-proposal, show-all, audit-log, apply-proposal, reject, undo, plan-sprint, find-risks, push, toggle-change, more-points, fewer-points, generator, generate, external-editor, stop, drop, refine, templates, copy, write-file, pipe, attach-output, attach, view-0 … view-9"
)]
#[case(
    "duplicate-chord.toml",
    "keymap error in tests/fixtures/keymap/duplicate-chord.toml, line 3: `C-r` is bound twice in [global] (as `ctrl-r` and as `quit`)"
)]
#[case(
    "prefix-conflict.toml",
    "keymap error in tests/fixtures/keymap/prefix-conflict.toml, line 3: `g` ([detail] back) is a prefix of `g g` ([detail] up), so `g g` could never be typed or `g` would always wait; bind one of them elsewhere"
)]
#[case(
    "prefix-against-global.toml",
    "keymap error in tests/fixtures/keymap/prefix-against-global.toml, line 2: `q` ([global] quit) is a prefix of `q q` ([backlog] top), so `q q` could never be typed or `q` would always wait; bind one of them elsewhere"
)]
#[case(
    "bad-chord.toml",
    "keymap error in tests/fixtures/keymap/bad-chord.toml, line 2: `hyper-x` is not a key (try j, ctrl-r, shift-tab, enter, f5)"
)]
#[case(
    "unknown-context.toml",
    "keymap error in tests/fixtures/keymap/unknown-context.toml, line 1: unknown context [backlogs]; contexts are global, backlog, detail, detail-edit, filter, dashboard, board, chat, chat-input, chat-list, proposals, proposal-reject, proposal-edit, audit, generator, generator-running, generator-questions, generator-review, generator-input, prompt, prompt-inputs, prompt-rendering, prompt-preview, prompt-output, prompt-failed, help, sync-runs"
)]
#[case(
    "not-toml.toml",
    "keymap error in tests/fixtures/keymap/not-toml.toml, line 1: unclosed table, expected `]`"
)]
fn invalid_keymaps_name_file_and_line(#[case] file: &str, #[case] expected: &str) {
    let err = load(file).expect_err("invalid");
    assert_eq!(err.to_string(), expected);
}

#[tokio::test]
async fn the_queue_keys_are_rebindable_and_the_hints_follow() {
    use crate::panes::{draw, text};
    use crate::tui::{Harness, settings};
    use sprintdeck::app::state::{Settings, Tab};
    use sprintdeck::domain::proposal::ProposalState;
    let settings = Settings {
        keymap: load("proposals-rebound.toml").expect("valid"),
        ..settings()
    };
    let mut h = Harness::with(settings, (120, 36), Tab::Proposals).await;
    h.key(KeyCode::Char('P')).await;
    let screen = text(&draw(&h.state));
    assert!(screen.contains(" y apply · r reject"), "{screen}");
    // `a` is help now, `y` applies.
    h.key(KeyCode::Char('a')).await;
    assert!(h.state.help);
    h.key(KeyCode::Esc).await;
    assert_eq!(h.state.proposals.list[0].state, ProposalState::Pending);
    h.key(KeyCode::Char('y')).await;
    let applied = sprintdeck::store::proposals::list(
        h.store.pool(),
        Some(ProposalState::Applied),
        crate::common::now(),
    )
    .await
    .expect("list");
    assert_eq!(applied.len(), 1);
    // Help lists the keys as bound.
    h.key(KeyCode::Char('?')).await;
    let help = text(&draw(&h.state));
    assert!(help.contains(" y "), "{help}");
}

#[test]
fn every_action_has_a_default_key_somewhere() {
    let map = Keymap::load(None).expect("default keymap");
    let unbound: Vec<String> = Action::all()
        .into_iter()
        .filter(|a| {
            !Context::ALL
                .iter()
                .any(|c| map.bindings(*c).iter().any(|b| b.action == *a))
        })
        .map(Action::name)
        .collect();
    assert!(unbound.is_empty(), "no default key: {unbound:?}");
}
