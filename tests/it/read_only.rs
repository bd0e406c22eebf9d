//! Read-only mode (a manager over SSH) writes nothing: every action of every context, and every
//! key, in a state where it has something to act on, dispatches no effect that writes
//! (`Effect::writes`), also after the executor has answered. And modifiers are part of a chord:
//! ctrl-u in the Proposals tab is not `u` (undo).

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui_textarea::TextArea;
use sprintdeck::app::generator::{GeneratorPane, InputKind, Step};
use sprintdeck::app::state::{
    ChatTurn, ConversationList, PromptStage, ProposalEdit, Settings, State, SyncView, Tab,
    TurnStatus,
};
use sprintdeck::app::{Effect, Msg, act, context, update};
use sprintdeck::keymap::{Action, Context};

use crate::tui::{Harness, settings};

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn ctrl(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

/// A generated backlog with an epic, a story and a task, for the generator's states.
fn tree() -> sprintdeck::generator::Backlog {
    serde_json::from_str(
        r#"{"project": "OPS", "epics": [{"title": "Checkout", "stories": [
            {"title": "Pay by card", "points": 3, "tasks": [{"title": "Form", "points": 1}]}
        ]}]}"#,
    )
    .expect("a backlog")
}

/// The demo workspace with something to act on in every pane: a pending plan in the queue
/// (made before the switch to read-only), a conversation that cites an issue and made a
/// proposal, a rendered prompt.
async fn harness() -> Harness {
    let settings = Settings {
        llm_name: Some("openai m".into()),
        ..settings()
    };
    let mut h = Harness::with(settings, (120, 40), Tab::Proposals).await;
    h.key(KeyCode::Char('P')).await;
    assert!(!h.state.proposals.list.is_empty(), "a plan to decide");
    h.state.settings.read_only = true;
    h
}

/// One state per context, each checked to be in that context.
async fn states(h: &mut Harness) -> Vec<(Context, State)> {
    let mut out = Vec::new();
    let queue = h.state.clone();
    let proposal = queue.proposals.list[0].clone();
    let issue_key = proposal_key(&queue);

    // The backlog and what opens over it.
    h.state.tab = Tab::Backlog;
    let backlog = h.state.clone();
    out.push((Context::Backlog, backlog.clone()));
    let mut s = backlog.clone();
    s.filter.open = true;
    s.filter.input = TextArea::new(vec!["type:bug".into()]);
    out.push((Context::Filter, s));
    h.key(KeyCode::Enter).await;
    assert!(h.state.detail.as_ref().is_some_and(|d| d.data.is_some()));
    let detail = h.state.clone();
    out.push((Context::Detail, detail.clone()));
    let mut s = detail.clone();
    if let Some(d) = s.detail.as_mut() {
        d.cursor = d.link_count();
        d.editing = Some(sprintdeck::app::state::Editor {
            field: sprintdeck::domain::overrides::OverrideField::ALL[0],
            input: TextArea::new(vec!["blocked".into()]),
            error: None,
        });
    }
    out.push((Context::DetailEdit, s));
    // Issue-to-prompt over the detail: each stage, the preview from a real render.
    h.key(KeyCode::Char('p')).await;
    out.push((Context::Prompt, h.state.clone()));
    h.key(KeyCode::Enter).await;
    assert!(matches!(
        h.state.prompt.as_ref().map(|p| &p.stage),
        Some(PromptStage::Preview(_))
    ));
    let preview = h.state.clone();
    out.push((Context::PromptPreview, preview.clone()));
    let mut s = preview.clone();
    if let Some(p) = s.prompt.as_mut()
        && let PromptStage::Preview(rendered) = p.stage.clone()
    {
        let mut editor = TextArea::default();
        editor.insert_str("the agent's answer");
        p.stage = PromptStage::Output {
            rendered,
            editor: Box::new(editor),
        };
    }
    out.push((Context::PromptOutput, s));
    for (ctx, stage) in [
        (
            Context::PromptInputs,
            PromptStage::Inputs {
                template: "review".into(),
                names: vec!["diff_url".into()],
                values: vec![TextArea::new(vec!["https://example.test".into()])],
                field: 0,
            },
        ),
        (
            Context::PromptRendering,
            PromptStage::Rendering {
                template: "implement".into(),
            },
        ),
        (
            Context::PromptFailed,
            PromptStage::Failed("no such issue".into()),
        ),
    ] {
        let mut s = preview.clone();
        if let Some(p) = s.prompt.as_mut() {
            p.stage = stage;
        }
        out.push((ctx, s));
    }

    // Dashboard and board, loaded.
    h.state = backlog.clone();
    h.key(KeyCode::Tab).await;
    assert_eq!(h.state.tab, Tab::Board);
    out.push((Context::Board, h.state.clone()));
    h.key(KeyCode::Tab).await;
    out.push((Context::Dashboard, h.state.clone()));

    // The chat: a conversation citing an issue that made a proposal.
    let mut chat = backlog.clone();
    chat.tab = Tab::Chat;
    chat.chat.turns = vec![ChatTurn {
        question: "who?".into(),
        answer: format!("See [{issue_key}]."),
        status: TurnStatus::Done,
        proposals: vec![proposal.id],
        cites: vec![issue_key.clone()],
        ..ChatTurn::default()
    }];
    chat.chat.input = TextArea::new(vec!["and then?".into()]);
    out.push((Context::ChatInput, chat.clone()));
    let mut s = chat.clone();
    s.chat.writing = false;
    s.chat.citation = Some(0);
    out.push((Context::Chat, s.clone()));
    let mut list = s;
    list.chat.conversations = Some(ConversationList {
        items: Vec::new(),
        selected: 0,
        loaded: true,
    });
    out.push((Context::ChatList, list));

    // The queue and its modes.
    out.push((Context::Proposals, queue.clone()));
    let mut s = queue.clone();
    s.proposals.rejecting = Some(TextArea::new(vec!["not now".into()]));
    out.push((Context::ProposalReject, s));
    let mut s = queue.clone();
    s.proposals.editing = Some(ProposalEdit {
        keep: vec![true; proposal.changes.len()],
        shown: sprintdeck::app::proposals::show_changes(&proposal.changes),
        changes: proposal.changes.clone(),
        cursor: 0,
    });
    out.push((Context::ProposalEdit, s));
    let mut s = queue.clone();
    s.proposals.audit = Some(Vec::new());
    out.push((Context::Audit, s));

    // The generator at each step, over a pending proposal.
    let mut pane = GeneratorPane::new("OPS");
    pane.fields[0].insert_str("a shop");
    pane.field = sprintdeck::app::generator::FIELDS.len() - 1;
    pane.tree = sprintdeck::domain::text::Safe::new(tree());
    pane.proposal = Some(proposal.id);
    pane.questions = vec!["Which payment provider?".into()];
    pane.answers = vec![TextArea::new(vec!["Stripe".into()])];
    let mut generator = queue.clone();
    generator.proposals.generator_shown = true;
    for (ctx, step, input) in [
        (Context::Generator, Step::Form, false),
        (Context::GeneratorRunning, Step::Running, false),
        (Context::GeneratorQuestions, Step::Questions, false),
        (Context::GeneratorReview, Step::Review, false),
        (Context::GeneratorInput, Step::Review, true),
    ] {
        let mut pane = pane.clone();
        pane.step = step;
        pane.last = Some(sprintdeck::app::generator::GenerateJob {
            run: 1,
            idea: "a shop".into(),
            files: Vec::new(),
            project: "OPS".into(),
            format: "classic".into(),
            depth: sprintdeck::generator::run::Depth::default(),
            constraints: None,
            answers: Vec::new(),
            revise: None,
            profile: None,
        });
        if input {
            pane.input = Some((InputKind::Refine, TextArea::new(vec!["smaller".into()])));
        }
        let mut s = generator.clone();
        s.proposals.generator = Some(Box::new(pane));
        out.push((ctx, s));
    }

    // The overlays.
    let mut s = backlog.clone();
    s.help = true;
    out.push((Context::Help, s));
    let mut s = backlog;
    s.sync.view = Some(SyncView::default());
    out.push((Context::SyncRuns, s));
    out
}

/// An issue key the queue's first proposal names.
fn proposal_key(state: &State) -> String {
    sprintdeck::app::proposals::keys_of(&state.proposals.list[0])
        .into_iter()
        .next()
        .expect("the plan names an issue")
}

#[tokio::test]
async fn read_only_mode_dispatches_nothing_that_writes_for_any_action_in_any_context() {
    let mut h = Box::pin(harness()).await;
    let states = Box::pin(states(&mut h)).await;
    let covered: Vec<Context> = states.iter().map(|(c, _)| *c).collect();
    for c in Context::ALL {
        assert!(
            c == Context::Global || covered.contains(&c),
            "no state for [{}]",
            c.name()
        );
    }
    let mut refused = 0;
    for (ctx, base) in &states {
        assert_eq!(context(base), *ctx, "the state set up for [{}]", ctx.name());
        for action in Action::all() {
            h.state = base.clone();
            h.dispatched.clear();
            let effects = act(&mut h.state, action);
            // Through the production executor: answers may ask for more.
            h.run(effects).await;
            let writes: Vec<&Effect> = h.dispatched.iter().filter(|e| e.writes()).collect();
            assert!(writes.is_empty(), "[{}] {action}: {writes:?}", ctx.name());
            if action.writes() {
                refused += 1;
                assert!(
                    h.state
                        .flash
                        .as_ref()
                        .is_some_and(|f| f.error && f.text.starts_with("read-only mode")),
                    "[{}] {action} is refused and says so: {:?}",
                    ctx.name(),
                    h.state.flash
                );
            }
        }
    }
    assert!(refused > 0);
}

/// Every key a terminal sends: printable characters and named keys, plain, with ctrl, with alt.
fn every_key() -> Vec<KeyEvent> {
    let mut codes: Vec<KeyCode> = (' '..='~').map(KeyCode::Char).collect();
    codes.extend([
        KeyCode::Enter,
        KeyCode::Esc,
        KeyCode::Tab,
        KeyCode::BackTab,
        KeyCode::Backspace,
        KeyCode::Delete,
        KeyCode::Up,
        KeyCode::Down,
        KeyCode::Left,
        KeyCode::Right,
        KeyCode::Home,
        KeyCode::End,
        KeyCode::PageUp,
        KeyCode::PageDown,
    ]);
    codes.extend((1..=12).map(KeyCode::F));
    let mut keys = Vec::new();
    for code in codes {
        for modifiers in [
            KeyModifiers::NONE,
            KeyModifiers::CONTROL,
            KeyModifiers::ALT,
            KeyModifiers::SHIFT,
        ] {
            keys.push(KeyEvent::new(code, modifiers));
        }
    }
    keys
}

#[tokio::test]
async fn read_only_mode_dispatches_nothing_that_writes_for_any_key_in_any_context() {
    let mut h = Box::pin(harness()).await;
    let states = Box::pin(states(&mut h)).await;
    for (ctx, base) in &states {
        for pressed in every_key() {
            let mut state = base.clone();
            let effects = update(&mut state, Msg::Key(pressed));
            let writes: Vec<&Effect> = effects.iter().filter(|e| e.writes()).collect();
            assert!(
                writes.is_empty(),
                "[{}] {pressed:?}: {writes:?}",
                ctx.name()
            );
        }
    }
}

#[tokio::test]
async fn ctrl_u_in_the_proposals_tab_does_not_undo() {
    let settings = settings();
    let mut h = Harness::with(settings, (120, 36), Tab::Proposals).await;
    // Something to undo: a plan applied.
    h.key(KeyCode::Char('P')).await;
    h.key(KeyCode::Char('a')).await;
    let applied = |h: &Harness| {
        let pool = h.store.pool().clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT count(*) FROM audit_log WHERE action = 'undo'")
                .fetch_one(&pool)
                .await
                .expect("count")
        }
    };
    assert_eq!(applied(&h).await, 0);
    let effects = update(&mut h.state, ctrl('u'));
    assert!(
        !effects.contains(&Effect::UndoProposal),
        "ctrl-u is not u: {effects:?}"
    );
    h.run(effects).await;
    assert_eq!(applied(&h).await, 0, "nothing was undone");
    // Plain u still undoes.
    let effects = update(&mut h.state, key(KeyCode::Char('u')));
    h.run(effects).await;
    assert_eq!(applied(&h).await, 1);
}
