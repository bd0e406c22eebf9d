//! The generator pane driven by keys against a real database and the streaming mock provider:
//! the form, the tree filling in live, questions answered in place, the validation view, a
//! violation fixed by editing (the pending proposal re-checked), refinement with its diff, and
//! the proposal applied from the queue.

use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use sprintdeck::app::generator::Step;
use sprintdeck::app::state::{Settings, Tab};
use sprintdeck::app::{Effect, Msg, update};
use sprintdeck::generator::run::Progress;

use crate::generator::{sse_reply, text_of};
use crate::panes::{draw, text};
use crate::tui::{Harness, settings};

async fn harness(replies: Vec<crate::llm::Reply>) -> (Harness, Arc<crate::llm::Seen>) {
    let (url, seen) = crate::llm::serve(replies).await;
    let settings = Settings {
        llm_name: Some("openai gpt-4.1-nano".into()),
        ..settings()
    };
    let mut h = Harness::with(settings, (120, 36), Tab::Proposals).await;
    let config: sprintdeck::config::Config = toml::from_str(&format!(
        "[llm]\nprovider = \"openai\"\nbase_url = \"{url}\"\nmodel = \"gpt-4.1-nano\"\n"
    ))
    .expect("config");
    h.io.llm = Some(Arc::new(config));
    (h, seen)
}

async fn ctrl(h: &mut Harness, c: char) {
    h.send(Msg::Key(KeyEvent::new(
        KeyCode::Char(c),
        KeyModifiers::CONTROL,
    )))
    .await;
}

/// Opens the generator and fills the form: the idea, project OPS, a team of 4.
async fn fill_form(h: &mut Harness) {
    h.key(KeyCode::Char('g')).await;
    assert!(h.state.proposals.generator_shown);
    h.keys("Accountants export a month of invoices as CSV.")
        .await;
    h.key(KeyCode::Tab).await; // documents
    h.key(KeyCode::Tab).await; // project
    h.key(KeyCode::Home).await;
    ctrl(h, 'k').await;
    h.keys("OPS").await;
    h.key(KeyCode::Tab).await; // format
    h.key(KeyCode::Right).await; // bdd
    h.key(KeyCode::Tab).await; // depth
    h.key(KeyCode::Tab).await; // team size
    h.keys("4").await;
}

fn generator(h: &Harness) -> &sprintdeck::app::generator::GeneratorPane {
    h.state
        .proposals
        .generator
        .as_deref()
        .expect("the generator")
}

async fn pending_severity(h: &Harness, id: i64) -> Option<String> {
    sqlx::query_scalar("SELECT severity FROM proposals WHERE id = ?")
        .bind(id)
        .fetch_one(h.store.pool())
        .await
        .expect("proposal")
}

#[tokio::test]
async fn the_form_then_a_violation_fixed_by_editing_then_applied() {
    let (mut h, seen) = harness(vec![
        sse_reply(&text_of("too-big")),
        sse_reply(&text_of("still-too-big")),
    ])
    .await;
    fill_form(&mut h).await;
    insta::assert_snapshot!("generator_form_120x36", text(&draw(&h.state)));
    ctrl(&mut h, 's').await;
    let g = generator(&h);
    assert_eq!(g.step, Step::Review, "{:?}", g.error);
    // The form went with the request: BDD, the team.
    let first = seen.bodies.lock().expect("bodies")[0].clone();
    let system = first["messages"][0]["content"]
        .as_str()
        .expect("system")
        .to_owned();
    assert!(system.contains("Given …, when …, then …"), "{system}");
    assert!(system.contains("a team of 4"), "{system}");
    let id = g.proposal.expect("kept as a proposal");
    assert!(g.violations.iter().any(|v| v.rule == "needs_split"));
    assert_eq!(pending_severity(&h, id).await.as_deref(), Some("high"));
    h.key(KeyCode::Char('j')).await; // the story
    let screen = text(&draw(&h.state));
    assert!(
        screen.contains("✖  • 13 Export a month of invoices as CSV  needs_split"),
        "{screen}"
    );
    assert!(screen.contains("1 error(s) to fix"), "{screen}");
    insta::assert_snapshot!("generator_validation_120x36", screen);
    // 13 → 8 points: the rule passes, the pending proposal is revised and may be applied.
    for _ in 0..5 {
        h.key(KeyCode::Char('-')).await;
    }
    let g = generator(&h);
    assert!(
        g.violations.iter().all(|v| v.rule != "needs_split"),
        "{:?}",
        g.violations
    );
    assert_eq!(pending_severity(&h, id).await, None);
    // A title edited too.
    h.key(KeyCode::Char('e')).await;
    h.key(KeyCode::End).await;
    h.keys(" (monthly)").await;
    h.key(KeyCode::Enter).await;
    let p = sprintdeck::store::proposals::get(h.store.pool(), id)
        .await
        .expect("read")
        .expect("kept");
    let titles: Vec<String> = p
        .changes
        .iter()
        .filter_map(|c| match c {
            sprintdeck::domain::proposal::Change::Create {
                title,
                points,
                issue_type,
                ..
            } if issue_type == "story" => Some(format!("{title} {points:?}")),
            _ => None,
        })
        .collect();
    assert_eq!(
        titles,
        ["Export a month of invoices as CSV (monthly) Some(8.0)"]
    );
    // Open it in the queue and apply it: the hierarchy exists.
    h.key(KeyCode::Char('o')).await;
    assert!(!h.state.proposals.generator_shown);
    assert_eq!(h.state.proposals.list[h.state.proposals.selected].id, id);
    h.key(KeyCode::Char('a')).await;
    let made: Vec<(String, String)> = sqlx::query_as(
        "SELECT c.issue_type, coalesce(p.title, '') FROM issues c LEFT JOIN issues p ON p.id = c.parent_id \
         WHERE c.title LIKE 'Export a month of invoices as CSV (monthly)' OR c.title = 'Invoice export' ORDER BY c.id",
    )
    .fetch_all(h.store.pool())
    .await
    .expect("created");
    assert_eq!(
        made,
        [
            ("epic".to_owned(), String::new()),
            ("story".to_owned(), "Invoice export".to_owned())
        ]
    );
    // The audit log shows the run behind it: the model and the template's version.
    h.key(KeyCode::Char('x')).await;
    let screen = text(&draw(&h.state));
    assert!(screen.contains("model run: generate"), "{screen}");
    assert!(
        screen.contains("model gpt-4.1-nano · template "),
        "{screen}"
    );
}

#[tokio::test]
async fn the_tree_fills_in_while_the_model_writes() {
    let (mut h, _) = harness(vec![sse_reply(&text_of("valid"))]).await;
    fill_form(&mut h).await;
    // The request goes out; its progress is driven by hand, piece by piece.
    let effects = update(
        &mut h.state,
        Msg::Key(KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL)),
    );
    let Some(Effect::Generate(job)) = effects.into_iter().next() else {
        panic!("a generation starts");
    };
    let answer = text_of("valid");
    let cut = answer.find("\"tasks\"").expect("tasks in the answer");
    let _ = update(
        &mut h.state,
        Msg::GeneratorProgress {
            run: job.run,
            events: vec![Progress::Text(answer[..cut].to_owned())],
        },
    );
    let g = generator(&h);
    assert_eq!(g.step, Step::Running);
    assert_eq!(
        g.tree.epics[0].stories[0].title,
        "Export a month of invoices as CSV"
    );
    assert!(g.tree.epics[0].stories[0].tasks.is_empty());
    let screen = text(&draw(&h.state));
    assert!(screen.contains("writing the backlog"), "{screen}");
    insta::assert_snapshot!("generator_live_tree_120x36", screen);
    // A stopped run's late pieces are dropped.
    h.key(KeyCode::Esc).await;
    let _ = update(
        &mut h.state,
        Msg::GeneratorProgress {
            run: job.run,
            events: vec![Progress::Text(answer[cut..].to_owned())],
        },
    );
    assert_eq!(generator(&h).step, Step::Form);
    assert!(generator(&h).tree.epics[0].stories[0].tasks.is_empty());
}

#[tokio::test]
async fn questions_are_answered_in_place_before_the_backlog_comes() {
    let (mut h, seen) = harness(vec![
        sse_reply(&text_of("questions")),
        sse_reply(&text_of("valid")),
    ])
    .await;
    fill_form(&mut h).await;
    ctrl(&mut h, 's').await;
    assert_eq!(generator(&h).step, Step::Questions);
    let screen = text(&draw(&h.state));
    assert!(
        screen.contains("1. Who exports invoices: accountants only, or auditors too?"),
        "{screen}"
    );
    h.keys("accountants only").await;
    h.key(KeyCode::Tab).await;
    h.keys("CSV is enough").await;
    h.key(KeyCode::Enter).await;
    assert_eq!(generator(&h).step, Step::Review);
    let sent = seen.bodies.lock().expect("bodies")[1]["messages"][1]["content"]
        .as_str()
        .expect("user")
        .to_owned();
    assert!(
        sent.contains(
            "Q: Who exports invoices: accountants only, or auditors too?\nA: accountants only"
        ),
        "{sent}"
    );
    assert!(sent.contains("A: CSV is enough"), "{sent}");
}

#[tokio::test]
async fn refining_replaces_the_pending_proposal_and_shows_the_diff() {
    let (mut h, _) = harness(vec![
        sse_reply(&text_of("valid")),
        sse_reply(&text_of("refined")),
    ])
    .await;
    fill_form(&mut h).await;
    ctrl(&mut h, 's').await;
    let first = generator(&h).proposal.expect("first proposal");
    h.key(KeyCode::Char('f')).await;
    h.keys("smaller stories, add security").await;
    h.key(KeyCode::Enter).await;
    let g = generator(&h);
    let second = g.proposal.expect("revised proposal");
    assert_ne!(first, second);
    assert!(
        g.diff
            .iter()
            .any(|d| d.what == "Only accountants can export invoices")
    );
    let screen = text(&draw(&h.state));
    assert!(
        screen.contains("Changed from the replaced proposal"),
        "{screen}"
    );
    assert!(
        screen.contains("+ story Only accountants can export invoices"),
        "{screen}"
    );
    assert!(
        screen.contains("~ story Export a month of invoices as CSV (3"),
        "{screen}"
    );
    let old = sprintdeck::store::proposals::get(h.store.pool(), first)
        .await
        .expect("read")
        .expect("kept");
    assert_eq!(
        old.decision_reason.as_deref(),
        Some(format!("replaced by proposal {second}").as_str())
    );
    // The queue holds only the revision as pending.
    let pending: Vec<i64> = h
        .state
        .proposals
        .list
        .iter()
        .filter(|p| p.kind == sprintdeck::domain::proposal::Kind::Backlog)
        .map(|p| p.id)
        .collect();
    assert_eq!(pending, [second]);
}

#[tokio::test]
async fn read_only_mode_and_a_missing_model_say_why_nothing_opens() {
    let settings = Settings {
        read_only: true,
        llm_name: Some("openai m".into()),
        ..settings()
    };
    let mut h = Harness::with(settings, (120, 36), Tab::Proposals).await;
    h.key(KeyCode::Char('g')).await;
    assert!(!h.state.proposals.generator_shown);
    let mut h = Harness::with(settings_without_llm(), (120, 36), Tab::Proposals).await;
    h.key(KeyCode::Char('g')).await;
    assert!(!h.state.proposals.generator_shown);
    let screen = text(&draw(&h.state));
    assert!(screen.contains("no model configured"), "{screen}");
}

fn settings_without_llm() -> Settings {
    Settings {
        llm_name: None,
        ..settings()
    }
}

#[tokio::test]
async fn a_refused_key_or_an_unreadable_document_is_said_on_the_form_and_nothing_is_lost() {
    let (mut h, _) = harness(vec![crate::llm::Reply::new(
        401,
        &[("content-type", "application/json")],
        r#"{"error": {"message": "Incorrect API key provided"}}"#.to_owned(),
    )])
    .await;
    fill_form(&mut h).await;
    ctrl(&mut h, 's').await;
    let g = generator(&h);
    assert_eq!(g.step, Step::Form);
    let error = g.error.clone().expect("an error");
    assert!(error.contains("refused the key"), "{error}");
    assert_eq!(g.value(0), "Accountants export a month of invoices as CSV.");
    let screen = text(&draw(&h.state));
    assert!(screen.contains("Incorrect API key provided"), "{screen}");
    // A document that is not there: said before anything is sent.
    h.send(Msg::Key(KeyEvent::new(
        KeyCode::BackTab,
        KeyModifiers::SHIFT,
    )))
    .await;
    while generator(&h).field != 1 {
        h.key(KeyCode::Tab).await;
    }
    h.keys("/nowhere/brief.md").await;
    ctrl(&mut h, 's').await;
    let error = generator(&h).error.clone().expect("an error");
    assert!(error.contains("cannot read /nowhere/brief.md"), "{error}");
    let proposals: i64 = sqlx::query_scalar("SELECT count(*) FROM proposals")
        .fetch_one(h.store.pool())
        .await
        .expect("count");
    assert_eq!(proposals, 0);
}

#[tokio::test]
async fn editing_a_generated_backlog_in_the_queue_checks_the_rules_again() {
    let (mut h, _) = harness(Vec::new()).await;
    let backlog: sprintdeck::generator::Backlog =
        serde_json::from_str(&text_of("too-big")).expect("backlog");
    let proposal = sprintdeck::store::proposals::NewProposal {
        kind: sprintdeck::domain::proposal::Kind::Backlog,
        title: "Backlog: Invoice export".into(),
        explanation: "error epics[0].stories[0] needs_split".into(),
        evidence: Vec::new(),
        changes: backlog.changes(None),
        author: "llm:test".into(),
        expires_at: None,
        fingerprint: None,
        severity: Some("high".into()),
    };
    let now = crate::common::now();
    h.store
        .writer()
        .transaction(move |c| {
            Box::pin(async move { sprintdeck::store::proposals::create(c, &proposal, now).await })
        })
        .await
        .expect("kept");
    h.send(Msg::Key(KeyEvent::from(KeyCode::Char('s')))).await;
    h.send(Msg::Key(KeyEvent::from(KeyCode::Char('s')))).await;
    assert_eq!(h.state.proposals.list.len(), 1);
    // Applying as it is: refused by the rules.
    h.key(KeyCode::Char('a')).await;
    let said = h
        .state
        .flash
        .as_ref()
        .map(|f| f.text.clone())
        .unwrap_or_default();
    assert!(said.contains("breaks the [generator] rules"), "{said}");
    // Edit: the story (the second change) down to 8 points, then apply.
    h.key(KeyCode::Char('e')).await;
    h.key(KeyCode::Char('j')).await;
    for _ in 0..5 {
        h.key(KeyCode::Char('-')).await;
    }
    h.key(KeyCode::Char('a')).await;
    let points: Option<f64> = sqlx::query_scalar(
        "SELECT story_points FROM issues WHERE title = 'Export a month of invoices as CSV'",
    )
    .fetch_optional(h.store.pool())
    .await
    .expect("query")
    .flatten();
    assert_eq!(points, Some(8.0), "applied after the edit");
    let explanation: String = sqlx::query_scalar("SELECT explanation FROM proposals")
        .fetch_one(h.store.pool())
        .await
        .expect("proposal");
    assert!(!explanation.contains("needs_split"), "{explanation}");
}

#[tokio::test]
async fn every_step_draws_at_the_smallest_size() {
    let (mut h, _) = harness(vec![
        sse_reply(&text_of("too-big")),
        sse_reply(&text_of("split")),
    ])
    .await;
    fill_form(&mut h).await;
    let min = sprintdeck::app::state::State::MIN_SIZE;
    let _ = update(&mut h.state, Msg::Resize(min.0, min.1));
    // The field being typed in stays in view.
    let screen = text(&draw(&h.state));
    assert!(screen.contains("Team size      4"), "{screen}");
    h.key(KeyCode::Tab).await;
    let screen = text(&draw(&h.state));
    assert!(screen.contains("Sprint length"), "{screen}");
    ctrl(&mut h, 's').await;
    assert_eq!(generator(&h).step, Step::Review);
    let screen = text(&draw(&h.state));
    assert!(screen.contains("Invoice export"), "{screen}");
    h.key(KeyCode::Char('f')).await;
    let screen = text(&draw(&h.state));
    assert!(screen.contains("refine"), "{screen}");
}
