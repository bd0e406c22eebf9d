//! The event loop: terminal input, store answers and a 1 Hz tick go through `update`; effects run
//! as tasks this runtime owns; the screen is drawn once per batch of messages when something
//! changed: at once after a key, else at most 30 times a second.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{
    DisableBracketedPaste, DisableFocusChange, DisableMouseCapture, EnableBracketedPaste,
    EnableFocusChange, EnableMouseCapture, Event, EventStream,
};
use futures_util::StreamExt;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::msg::{
    BacklogPage, BacklogRequest, BoardData, DashboardView, Effect, Msg, SourceFreshness,
};
use super::{State, init, update};
use crate::clock::{Clock, parse_instant};
use chrono::{DateTime, Utc};

use crate::store::{Store, StoreError, detail, read, snapshots};

const FRAME: Duration = Duration::from_millis(33);

/// Draws the state into a frame: the UI's `render`, handed in by the caller so that the
/// application never names the layer that draws it.
pub type Render = fn(&State, &mut ratatui::Frame);

pub struct Options {
    pub render: Render,
    pub clock: Clock,
    pub history_path: PathBuf,
    /// Configured source names, in config order.
    pub sources: Vec<String>,
    pub sync: Option<Arc<crate::config::Config>>,
    pub llm: Option<Arc<crate::config::Config>>,
    pub prompts: Arc<crate::prompt::Setup>,
    pub config: Arc<crate::config::Config>,
}

/// Runs the UI until the user quits. The terminal is restored on every way out.
pub async fn run(store: Store, mut state: State, options: Options) -> Result<(), crate::Error> {
    let mut terminal = ratatui::try_init()?;
    crate::terminal::set_ui_active(true);
    let _ = crossterm::execute!(
        std::io::stdout(),
        EnableMouseCapture,
        EnableFocusChange,
        EnableBracketedPaste
    );
    let store = Arc::new(store);
    let result = event_loop(&mut terminal, &store, &mut state, &options).await;
    let _ = crossterm::execute!(
        std::io::stdout(),
        DisableMouseCapture,
        DisableFocusChange,
        DisableBracketedPaste
    );
    crate::terminal::restore();
    let _ = ratatui::try_restore();
    if let Ok(store) = Arc::try_unwrap(store) {
        store.close().await?;
    }
    result
}

struct Executor {
    store: Arc<Store>,
    tx: mpsc::Sender<Msg>,
    io: EffectIo,
    backlog: Option<JoinHandle<()>>,
    window: Option<JoinHandle<()>>,
    detail: Option<JoinHandle<()>>,
    dashboard: Option<JoinHandle<()>>,
    board: Option<JoinHandle<()>>,
    sync: Option<JoinHandle<()>>,
    chat: Option<JoinHandle<()>>,
    generator: Option<JoinHandle<()>>,
}

impl Drop for Executor {
    fn drop(&mut self) {
        let tasks = [
            &self.backlog,
            &self.window,
            &self.detail,
            &self.dashboard,
            &self.board,
            &self.sync,
            &self.chat,
            &self.generator,
        ];
        for task in tasks.into_iter().flatten() {
            task.abort();
        }
    }
}

async fn event_loop(
    terminal: &mut ratatui::DefaultTerminal,
    store: &Arc<Store>,
    state: &mut State,
    options: &Options,
) -> Result<(), crate::Error> {
    let (tx, mut rx) = mpsc::channel::<Msg>(256);
    let mut exec = Executor {
        store: Arc::clone(store),
        tx,
        io: EffectIo {
            clock: options.clock,
            history_path: options.history_path.clone(),
            sources: options.sources.clone(),
            sync: options.sync.clone(),
            llm: options.llm.clone(),
            llm_sleeper: None,
            chat_summary: crate::llm::context::SummaryCache::default(),
            prompts: Arc::clone(&options.prompts),
            config: Arc::clone(&options.config),
        },
        backlog: None,
        window: None,
        detail: None,
        dashboard: None,
        board: None,
        sync: None,
        chat: None,
        generator: None,
    };
    let size = terminal.size()?;
    state.size = (size.width, size.height);
    state.now = options.clock.now();
    for effect in init(state) {
        exec.run(effect);
    }
    terminal.draw(|f| (options.render)(state, f))?;
    state.dirty = false;
    let mut last_draw = Instant::now();
    let mut events = EventStream::new();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);

    loop {
        let deadline = last_draw + FRAME;
        let first = tokio::select! {
            event = events.next() => match event {
                Some(Ok(event)) => Some(to_msg(event)),
                Some(Err(e)) => return Err(e.into()),
                None => return Ok(()),
            },
            Some(msg) = rx.recv() => Some(msg),
            _ = tick.tick() => Some(Msg::Tick(options.clock.now())),
            () = tokio::time::sleep_until(deadline), if state.dirty => None,
        };
        // Handle everything already queued before drawing once. Terminal events are not drained
        // here: polling crossterm's stream outside the select would register a waker that never
        // fires. Input arriving within a frame is batched by the frame budget instead.
        let mut queue: Vec<Msg> = first.into_iter().collect();
        while let Ok(msg) = rx.try_recv() {
            queue.push(msg);
        }
        // A key is answered on screen at once; streams and background news wait for the frame
        // budget, so that a fast stream cannot take more than 30 frames a second.
        let typed = queue.iter().any(|m| {
            matches!(
                m,
                Msg::Key(_) | Msg::Paste(_) | Msg::Mouse(_) | Msg::Resize(..)
            )
        });
        let mut editing = None;
        for msg in queue {
            for effect in update(state, msg) {
                match effect {
                    Effect::EditInEditor(text) => editing = Some(text),
                    effect => exec.run(effect),
                }
            }
        }
        if let Some(text) = editing {
            // The editor reads the keyboard: the UI's reader stops until it is done.
            drop(events);
            let edited = super::editor::edit(terminal, &text).await;
            events = EventStream::new();
            for effect in update(state, Msg::Edited(edited)) {
                exec.run(effect);
            }
            state.dirty = true;
            state.urgent = true;
        }
        if state.quit {
            return Ok(());
        }
        if state.dirty && (typed || state.urgent || last_draw.elapsed() >= FRAME) {
            terminal.draw(|f| (options.render)(state, f))?;
            state.dirty = false;
            state.urgent = false;
            last_draw = Instant::now();
        }
    }
}

fn to_msg(event: Event) -> Msg {
    match event {
        Event::Key(key) => Msg::Key(key),
        Event::Mouse(mouse) => Msg::Mouse(mouse),
        Event::Resize(w, h) => Msg::Resize(w, h),
        Event::FocusGained => Msg::FocusGained,
        Event::FocusLost => Msg::FocusLost,
        Event::Paste(text) => Msg::Paste(text),
    }
}

async fn load_page(
    store: &Store,
    request: &BacklogRequest,
    start: usize,
    len: usize,
) -> Result<BacklogPage, StoreError> {
    let pool = store.pool();
    let (groups, count, rows) = tokio::join!(
        read::backlog_groups(pool, &request.filter, request.grouping.by),
        read::backlog_count(pool, &request.filter),
        read::grouped_page(
            pool,
            &request.filter,
            &request.grouping,
            to_i64(start),
            to_i64(len)
        ),
    );
    Ok(BacklogPage {
        matches: usize::try_from(count?).unwrap_or(0),
        groups: groups?
            .into_iter()
            .map(|(k, n)| (k, usize::try_from(n).unwrap_or(0)))
            .collect(),
        window_start: start,
        rows: rows?,
    })
}

fn to_i64(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// A sender whose items reach the loop as messages made by `msg`, each carrying whatever else
/// already arrived (one message, one frame); the task ends when the sender is dropped.
fn batched<T: Send + 'static>(
    tx: mpsc::Sender<Msg>,
    msg: impl Fn(Vec<T>) -> Msg + Send + 'static,
) -> (mpsc::UnboundedSender<T>, JoinHandle<()>) {
    let (events, mut rx) = mpsc::unbounded_channel();
    let forward = tokio::spawn(async move {
        while let Some(event) = rx.recv().await {
            let mut batch = vec![event];
            while let Ok(more) = rx.try_recv() {
                batch.push(more);
            }
            if tx.send(msg(batch)).await.is_err() {
                break;
            }
        }
    });
    (events, forward)
}

/// Runs `task` in the slot's place, aborting the one it replaces.
fn replace(slot: &mut Option<JoinHandle<()>>, task: impl Future<Output = ()> + Send + 'static) {
    if let Some(old) = slot.take() {
        old.abort();
    }
    *slot = Some(tokio::spawn(task));
}

impl Executor {
    /// Streams a chat answer in a task of its own: each event goes to the loop as it arrives.
    fn start_chat(&mut self, turn: u64, ask: ChatQuestion) {
        let store = Arc::clone(&self.store);
        let io = self.io.clone();
        let tx = self.tx.clone();
        replace(&mut self.chat, async move {
            let (events, forward) = batched(tx, move |events| Msg::ChatEvents { turn, events });
            chat_answer(&store, &io, &ask, |e| {
                let _ = events.send(e);
            })
            .await;
            drop(events);
            let _ = forward.await;
        });
    }

    /// Runs a generation in a task of its own: progress goes to the loop as it arrives.
    fn start_generating(&mut self, job: Box<super::generator::GenerateJob>) {
        let store = Arc::clone(&self.store);
        let io = self.io.clone();
        let tx = self.tx.clone();
        replace(&mut self.generator, async move {
            let run = job.run;
            let (events, forward) = batched(tx.clone(), move |events| Msg::GeneratorProgress {
                run,
                events,
            });
            let result = super::generate_job::run_job(&store, &io, &job, &mut |p| {
                let _ = events.send(p);
            })
            .await;
            drop(events);
            let _ = forward.await;
            let _ = tx
                .send(Msg::GeneratorDone {
                    run,
                    result: result.map(Box::new),
                })
                .await;
        });
    }

    /// The model's streams (chat answers, generations) run in tasks of their own, stopped on
    /// request; `Some`: not one of them.
    fn streams(&mut self, effect: Effect) -> Option<Effect> {
        match effect {
            Effect::Generate(job) => self.start_generating(job),
            Effect::StopGenerating => {
                if let Some(task) = self.generator.take() {
                    task.abort();
                }
            }
            Effect::ChatAsk {
                turn,
                question,
                history,
                profile,
                propose,
            } => self.start_chat(
                turn,
                ChatQuestion {
                    question,
                    history,
                    profile,
                    propose,
                },
            ),
            // Aborting the task drops the response body: the request ends on the server too.
            Effect::ChatStop => {
                if let Some(task) = self.chat.take() {
                    task.abort();
                }
            }
            other => return Some(other),
        }
        None
    }

    fn run(&mut self, effect: Effect) {
        let Some(effect) = self.streams(effect) else {
            return;
        };
        match effect {
            Effect::OpenUrl(url) => {
                let notice = match open::that_detached(&url) {
                    Ok(()) => Msg::Notice {
                        text: format!("opened {url}"),
                        error: false,
                    },
                    Err(e) => Msg::Notice {
                        text: format!("could not open {url}: {e}"),
                        error: true,
                    },
                };
                let _ = self.tx.try_send(notice);
            }
            Effect::Copy { text, what } => {
                // OSC 52 reaches the local clipboard over SSH and through tmux (set-clipboard on).
                let notice = match crate::clipboard::copy(&text) {
                    Ok(()) => Msg::Notice {
                        text: format!("copied {what}"),
                        error: false,
                    },
                    Err(e) => Msg::Notice {
                        text: format!("could not copy: {e}"),
                        error: true,
                    },
                };
                let _ = self.tx.try_send(notice);
            }
            Effect::StartSync => {
                // Progress goes to the loop as it happens; the pass's answer ends it.
                let store = Arc::clone(&self.store);
                let io = self.io.clone();
                let tx = self.tx.clone();
                self.sync = Some(tokio::spawn(async move {
                    let (progress, mut events) = mpsc::unbounded_channel();
                    let forward = {
                        let tx = tx.clone();
                        tokio::spawn(async move {
                            while let Some(event) = events.recv().await {
                                let _ = tx.send(Msg::Sync(event)).await;
                            }
                        })
                    };
                    let results = sync_pass(&store, &io, Some(&progress)).await;
                    drop(progress);
                    let _ = forward.await;
                    let _ = tx.send(Msg::SyncDone(results)).await;
                }));
            }
            effect => {
                // A newer query makes a running one pointless: stop it.
                let slot = match &effect {
                    Effect::LoadBacklog { .. } => {
                        if let Some(task) = self.window.take() {
                            task.abort();
                        }
                        Some(&mut self.backlog)
                    }
                    Effect::LoadWindow { .. } => Some(&mut self.window),
                    Effect::LoadDetail { .. } => Some(&mut self.detail),
                    Effect::LoadDashboard { .. } => Some(&mut self.dashboard),
                    Effect::LoadBoard { .. } => Some(&mut self.board),
                    _ => None,
                };
                let previous = slot.as_ref().and_then(|s| s.as_ref());
                if let Some(task) = previous {
                    task.abort();
                }
                let store = Arc::clone(&self.store);
                let io = self.io.clone();
                let tx = self.tx.clone();
                let handle = tokio::spawn(async move {
                    if let Some(msg) = perform(&store, &io, effect).await {
                        // The loop may have ended; nothing to tell then.
                        let _ = tx.send(msg).await;
                    }
                });
                match slot {
                    Some(slot) => *slot = Some(handle),
                    None => drop(handle),
                }
            }
        }
    }
}

/// What store effects need besides the store.
#[derive(Clone)]
pub struct EffectIo {
    pub clock: Clock,
    pub history_path: PathBuf,
    pub sources: Vec<String>,
    /// What the background sync needs; `None` without sources (or read-only).
    pub sync: Option<Arc<crate::config::Config>>,
    /// What the chat needs (`[llm]`, metrics, people); `None` without `[llm]`.
    pub llm: Option<Arc<crate::config::Config>>,
    /// How the chat waits out a rate limit; `None`: it sleeps (tests pass one that returns).
    pub llm_sleeper: Option<crate::sync::http::Sleeper>,
    /// The chat's sprint summary, computed once per change of the data.
    pub chat_summary: crate::llm::context::SummaryCache,
    /// Issue-to-prompt: templates, tokenizer, author.
    pub prompts: Arc<crate::prompt::Setup>,
    /// The whole config: `[proposals]` (expiry, write-back) and `[people]` for the planner.
    pub config: Arc<crate::config::Config>,
}

impl EffectIo {
    /// How a model request waits out a rate limit: the test's sleeper, else a real sleep.
    pub fn llm_sleeper(&self) -> crate::sync::http::Sleeper {
        self.llm_sleeper
            .clone()
            .unwrap_or_else(crate::sync::http::tokio_sleeper)
    }
}

/// Runs one store or file effect and returns the message it answers with. The runtime calls
/// it in tasks; tests call it directly to drive `update` against a real database.
pub async fn perform(store: &Store, io: &EffectIo, effect: Effect) -> Option<Msg> {
    Some(match effect {
        Effect::LoadBacklog {
            generation,
            request,
            window: (start, len),
        } => {
            let result = load_page(store, &request, start, len)
                .await
                .map_err(|e| e.to_string());
            Msg::BacklogLoaded { generation, result }
        }
        Effect::LoadWindow {
            generation,
            request,
            start,
            len,
        } => {
            let result = read::grouped_page(
                store.pool(),
                &request.filter,
                &request.grouping,
                to_i64(start),
                to_i64(len),
            )
            .await
            .map_err(|e| e.to_string());
            Msg::WindowLoaded {
                generation,
                start,
                result,
            }
        }
        Effect::LoadDetail {
            generation,
            issue_id,
        } => {
            let result = detail::issue_detail(store.pool(), issue_id)
                .await
                .map(Box::new)
                .map_err(|e| e.to_string());
            Msg::DetailLoaded { generation, result }
        }
        Effect::SaveOverride {
            issue_id,
            field,
            value,
        } => save_override(store, io, issue_id, field, value).await,
        Effect::SaveHistory(history) => return save_history(io, &history).await,
        Effect::LoadFreshness => freshness(store, io).await,
        Effect::LoadBoard {
            generation,
            filter,
            workflow_project,
        } => board(store, generation, &filter, workflow_project.as_deref()).await,
        Effect::MoveCard(m) => move_card(store, io, m).await,
        Effect::LoadDashboard { generation, view } => dashboard(store, io, generation, view).await,
        Effect::LoadDashboardSnapshot { generation } => Msg::DashboardSnapshot {
            generation,
            report: stored_dashboard(store).await,
        },
        Effect::StartSync => Msg::SyncDone(sync_pass(store, io, None).await),
        Effect::LoadSyncRuns => Msg::SyncRuns(
            crate::store::sync_state::recent_runs(store.pool(), 50)
                .await
                .map_err(|e| e.to_string()),
        ),
        chat @ (Effect::ChatAsk { .. }
        | Effect::SaveChatTurn { .. }
        | Effect::LoadChat(_)
        | Effect::LoadConversations
        | Effect::FindIssue(_)
        | Effect::WarmChat) => chat_effect(store, io, chat).await?,
        prompt @ (Effect::RenderPrompt { .. }
        | Effect::WritePrompt(_)
        | Effect::PipePrompt { .. }
        | Effect::SavePromptOutput { .. }
        | Effect::LoadPromptStats) => prompt_effect(store, io, prompt).await?,
        decision @ (Effect::LoadProposals { .. }
        | Effect::LoadAudit
        | Effect::ApplyProposal { .. }
        | Effect::RejectProposal { .. }
        | Effect::UndoProposal
        | Effect::RunPlanner
        | Effect::RunAnalyst
        | Effect::PushOutbox) => proposal_effect(store, io, decision).await?,
        generator @ (Effect::Generate(_) | Effect::RecheckGenerated { .. }) => {
            super::generate_job::perform(store, io, generator).await?
        }
        Effect::OpenUrl(_)
        | Effect::Copy { .. }
        | Effect::ChatStop
        | Effect::StopGenerating
        | Effect::EditInEditor(_) => {
            return None;
        }
    })
}

/// A proposal's changes as edited before applying; a generated backlog's rules are checked again
/// on what is left (dropping the story that broke one makes it applicable).
async fn edit_before_apply(
    store: &Store,
    io: &EffectIo,
    id: i64,
    changes: Vec<crate::domain::proposal::Change>,
    actor: &str,
) -> Result<(), String> {
    use crate::store::proposals;
    let now = io.clock.now();
    let kind = proposals::get(store.pool(), id)
        .await
        .map_err(|e| e.to_string())?
        .map(|p| p.kind);
    if kind == Some(crate::domain::proposal::Kind::Backlog) {
        let backlog = crate::generator::Backlog::from_changes(&changes);
        return crate::generator::proposal::recheck(
            store,
            id,
            &backlog,
            &io.config.generator,
            actor,
            now,
        )
        .await
        .map(|_| ());
    }
    let who = actor.to_owned();
    store
        .writer()
        .transaction(move |c| {
            Box::pin(async move { proposals::edit(c, id, &changes, &who, now).await })
        })
        .await
        .map_err(|e| e.to_string())
}

/// The queue (pending, or `all`) after expiring what is overdue, and the refused pushes.
async fn load_proposals(store: &Store, all: bool, now: DateTime<Utc>) -> Msg {
    use crate::store::proposals;
    let state = (!all).then_some(crate::domain::proposal::ProposalState::Pending);
    let failed_pushes: Vec<(String, String, String)> = sqlx::query_as(
                "SELECT coalesce(i.key, '?'), o.operation, coalesce(o.last_error, '') FROM outbox o \
                 LEFT JOIN issues i ON i.id = o.issue_id WHERE o.state = 'failed' ORDER BY o.id LIMIT 20",
            )
            .fetch_all(store.pool())
            .await
            .unwrap_or_default();
    Msg::ProposalsLoaded {
        result: proposals::list(store.pool(), state, now)
            .await
            .map_err(|e| e.to_string()),
        failed_pushes: failed_pushes
            .into_iter()
            .map(|(k, op, why)| format!("{k} {op}: {why}"))
            .collect(),
    }
}

/// Pushes the outbox when sources are configured and write-back is on; says what happened.
async fn push_outbox(store: &Store, io: &EffectIo, now: DateTime<Utc>) -> Option<Msg> {
    let write_back = io.config.proposals.write_back;
    let done =
        |result: Result<String, String>, changed: bool| Msg::ProposalDone { result, changed };

    if !io.config.has_sources() || !write_back {
        return None;
    }
    Some(
        match crate::sync::writeback::push(store, &io.config, None, false, now, None).await {
            Ok(outcomes) if outcomes.is_empty() => return None,
            Ok(outcomes) => {
                let failed: Vec<String> = outcomes
                    .iter()
                    .filter_map(|o| o.result.as_ref().err().cloned())
                    .collect();
                let sent = outcomes.len() - failed.len();
                let text = match failed.first() {
                    None => format!("pushed {sent} change(s) to the trackers"),
                    Some(why) => format!(
                        "pushed {sent}, {} failed ({why}); R in Proposals tries again",
                        failed.len()
                    ),
                };
                done(
                    if failed.is_empty() {
                        Ok(text)
                    } else {
                        Err(text)
                    },
                    false,
                )
            }
            Err(e) => done(Err(format!("push failed: {e}")), false),
        },
    )
}

/// The approval queue's effects: load, decide, plan, analyse.
async fn proposal_effect(store: &Store, io: &EffectIo, effect: Effect) -> Option<Msg> {
    use crate::store::proposals;
    let now = io.clock.now();
    let actor = io.prompts.author.clone();
    let write_back = io.config.proposals.write_back;
    let done =
        |result: Result<String, String>, changed: bool| Msg::ProposalDone { result, changed };
    Some(match effect {
        Effect::LoadProposals { all } => load_proposals(store, all, now).await,
        Effect::LoadAudit => Msg::AuditLoaded(
            proposals::audit_log(store.pool(), 200)
                .await
                .map_err(|e| e.to_string()),
        ),
        Effect::ApplyProposal { id, changes } => {
            if let Some(changes) = changes
                && let Err(e) = edit_before_apply(store, io, id, changes, &actor).await
            {
                return Some(done(Err(format!("not applied: {e}")), false));
            }
            match proposals::apply_or_mark(store, id, &actor, write_back, now).await {
                Ok(a) => done(
                    Ok(format!(
                        "applied proposal {id}: {} change(s) queued for the tracker",
                        a.outbox
                    )),
                    true,
                ),
                Err(e) => done(Err(format!("not applied: {e}")), false),
            }
        }
        Effect::RejectProposal { id, reason } => {
            let rejected = store
                .writer()
                .transaction(move |c| {
                    Box::pin(async move {
                        proposals::reject(c, id, &actor, reason.as_deref(), now).await
                    })
                })
                .await;
            done(
                rejected
                    .map(|()| format!("rejected proposal {id}"))
                    .map_err(|e| e.to_string()),
                false,
            )
        }
        Effect::UndoProposal => match proposals::undo_last(store, &actor, write_back, now).await {
            Ok((undo, of)) => done(Ok(format!("undid proposal {of} (as {undo})")), true),
            Err(e) => done(Err(format!("not undone: {e}")), false),
        },
        Effect::RunPlanner => {
            match crate::planning::run_planner(store, &io.config, "next", now).await {
                Ok(Some((id, plan))) => done(
                    Ok(format!(
                        "proposal {id}: a plan for {} ({} changes)",
                        plan.target,
                        plan.changes.len()
                    )),
                    false,
                ),
                Ok(None) => done(Err("no future sprint to plan".to_owned()), false),
                Err(e) => done(Err(format!("the planner failed: {e}")), false),
            }
        }
        Effect::PushOutbox => return push_outbox(store, io, now).await,
        Effect::RunAnalyst => match crate::planning::run_analyst(store, &io.config, now).await {
            Ok(new) if new.is_empty() => done(Ok(String::new()), false),
            Ok(new) => done(Ok(format!("{} new insight(s) to review", new.len())), false),
            Err(e) => done(Err(format!("the analyst failed: {e}")), false),
        },
        _ => return None,
    })
}

/// Issue-to-prompt effects: render and keep, write, pipe, attach an output, figures.
async fn prompt_effect(store: &Store, io: &EffectIo, effect: Effect) -> Option<Msg> {
    let notice = |result: Result<String, String>| match result {
        Ok(text) => Msg::Notice { text, error: false },
        Err(text) => Msg::Notice { text, error: true },
    };
    Some(match effect {
        Effect::RenderPrompt {
            issue_id,
            template,
            vars,
        } => {
            let setup = &io.prompts;
            let request = crate::prompt::Request {
                issue_id,
                template,
                vars,
                tokenizer: setup.tokenizer,
                author: setup.author.clone(),
            };
            Msg::PromptRendered(
                crate::prompt::render_issue(store, &setup.library, request, io.clock.now())
                    .await
                    .map(Box::new)
                    .map_err(|e| e.to_string()),
            )
        }
        Effect::WritePrompt(version) => {
            let path = crate::prompt::file_for(&io.prompts.out_dir, &version);
            let written = async {
                tokio::fs::create_dir_all(&io.prompts.out_dir).await?;
                tokio::fs::write(&path, &version.text).await
            }
            .await;
            notice(
                written
                    .map(|()| format!("written to {}", path.display()))
                    .map_err(|e| format!("cannot write {}: {e}", path.display())),
            )
        }
        Effect::PipePrompt { command, text } => notice(pipe(&command, &text).await),
        Effect::SavePromptOutput { version_id, text } => {
            let now = io.clock.now();
            let saved = store
                .writer()
                .transaction(move |c| {
                    Box::pin(async move {
                        crate::store::prompts::attach_output(c, version_id, &text, "pasted", now)
                            .await
                    })
                })
                .await;
            notice(match saved {
                Ok((_, true)) => Ok(format!("output attached to version {version_id}")),
                Ok((_, false)) => Ok(format!(
                    "that output is already attached to version {version_id}"
                )),
                Err(e) => Err(format!("cannot attach the output: {e}")),
            })
        }
        Effect::LoadPromptStats => Msg::PromptStats(
            crate::store::prompts::stats(store.pool(), io.clock.now())
                .await
                .map_err(|e| e.to_string()),
        ),
        _ => return None,
    })
}

/// Runs `sh -c command` with the prompt on its standard input; its output is not shown (the
/// screen belongs to the UI), only whether it succeeded.
async fn pipe(command: &str, text: &str) -> Result<String, String> {
    use tokio::io::AsyncWriteExt as _;
    let mut child = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(command)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot run `{command}`: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(text.as_bytes())
            .await
            .map_err(|e| format!("`{command}` did not take the prompt: {e}"))?;
    }
    let out = child
        .wait_with_output()
        .await
        .map_err(|e| format!("`{command}` failed: {e}"))?;
    if out.status.success() {
        Ok(format!("piped to `{command}`"))
    } else {
        let why = String::from_utf8_lossy(&out.stderr);
        let why = crate::domain::text::sanitize(why.lines().next().unwrap_or(""), false);
        Err(format!("`{command}` failed ({}): {why}", out.status))
    }
}

/// The chat pane's store and model effects.
async fn chat_effect(store: &Store, io: &EffectIo, effect: Effect) -> Option<Msg> {
    Some(match effect {
        Effect::ChatAsk {
            turn,
            question,
            history,
            profile,
            propose,
        } => {
            let mut events = Vec::new();
            let ask = ChatQuestion {
                question,
                history,
                profile,
                propose,
            };
            chat_answer(store, io, &ask, |e| events.push(e)).await;
            Msg::ChatEvents { turn, events }
        }
        Effect::SaveChatTurn {
            conversation,
            profile,
            turn,
        } => save_chat_turn(store, io, conversation, profile, turn).await,
        Effect::LoadChat(id) => Msg::ChatLoaded {
            found: crate::store::chat::load(store.pool(), id)
                .await
                .ok()
                .flatten(),
            reopen: id.is_some(),
        },
        Effect::LoadConversations => Msg::Conversations(
            crate::store::chat::list(store.pool(), 200)
                .await
                .map_err(|e| e.to_string()),
        ),
        Effect::FindIssue(key) => Msg::IssueFound {
            issue_id: read::issue_id_by_key(store.pool(), &key)
                .await
                .ok()
                .flatten(),
            key,
        },
        Effect::WarmChat => {
            if let Some(config) = &io.llm {
                io.chat_summary
                    .get(store.pool(), config, io.clock.now())
                    .await;
            }
            return None;
        }
        _ => return None,
    })
}

async fn save_override(
    store: &Store,
    io: &EffectIo,
    issue_id: i64,
    field: crate::domain::overrides::OverrideField,
    value: Option<String>,
) -> Msg {
    let now = io.clock.now();
    let result = store
        .writer()
        .transaction(move |conn| {
            Box::pin(async move {
                detail::set_override(conn, issue_id, field, value.as_deref(), now).await
            })
        })
        .await
        .map_err(|e| e.to_string());
    Msg::OverrideSaved {
        issue_id,
        field,
        result,
    }
}

async fn save_chat_turn(
    store: &Store,
    io: &EffectIo,
    conversation: Option<i64>,
    profile: Option<String>,
    turn: crate::store::chat::SavedTurn,
) -> Msg {
    let now = io.clock.now();
    // The prompt's version as it is now: the one the answer was asked with.
    let hash = io
        .prompts
        .own_prompt("chat/system.md", crate::llm::context::SYSTEM_PROMPT)
        .ok()
        .map(|p| p.hash);
    let saved = store
        .writer()
        .transaction(move |c| {
            Box::pin(async move {
                crate::store::chat::save_turn(
                    c,
                    conversation,
                    profile.as_deref(),
                    &turn,
                    hash.as_deref(),
                    now,
                )
                .await
            })
        })
        .await
        .map_err(|e| e.to_string());
    Msg::ChatSaved(saved)
}

/// A question for the model, with the conversation so far.
pub struct ChatQuestion {
    pub question: String,
    pub history: Vec<(String, String)>,
    pub profile: Option<String>,
    /// Offer the `propose_changes` tool.
    pub propose: bool,
}

/// Grounds the question in the store, asks the model (waiting out rate limits), and hands each
/// event to `emit`.
async fn chat_answer(
    store: &Store,
    io: &EffectIo,
    ask: &ChatQuestion,
    mut emit: impl FnMut(crate::llm::LlmEvent),
) {
    use crate::llm::{ChatRequest, LlmError, LlmEvent, Message, Role, context};
    let fail = |message: String| LlmEvent::Error(LlmError::Http { status: 0, message });
    let Some(config) = &io.llm else {
        emit(fail("no [llm] configured".to_owned()));
        return;
    };
    let Some(llm) = &config.llm else {
        return;
    };
    let profile = match llm.profile(ask.profile.as_deref()) {
        Ok(p) => p,
        Err(message) => {
            emit(fail(message));
            return;
        }
    };
    let provider = match crate::llm::key(&profile)
        .await
        .and_then(|key| crate::llm::provider(&profile, key))
    {
        Ok(p) => p,
        Err(message) => {
            emit(fail(message));
            return;
        }
    };
    let summary = io
        .chat_summary
        .get(store.pool(), config, io.clock.now())
        .await;
    let grounding = context::build(
        store.pool(),
        &ask.question,
        None,
        summary.as_deref(),
        6_000,
        llm.send_descriptions,
    )
    .await
    .unwrap_or_default();
    let system = match io
        .prompts
        .own_prompt("chat/system.md", context::SYSTEM_PROMPT)
    {
        Ok(p) => p,
        Err(message) => {
            emit(fail(message));
            return;
        }
    };
    emit(LlmEvent::Context(grounding.text.clone()));
    let mut messages = vec![Message {
        role: Role::System,
        content: format!("{}\n\nContext:\n{}", system.text, grounding.text),
    }];
    for (q, a) in &ask.history {
        messages.push(Message {
            role: Role::User,
            content: q.clone(),
        });
        messages.push(Message {
            role: Role::Assistant,
            content: a.clone(),
        });
    }
    messages.push(Message {
        role: Role::User,
        content: ask.question.clone(),
    });
    let sleeper = io.llm_sleeper();
    let mut request = ChatRequest::new(messages);
    let run = ChatRun {
        model: profile.model.clone(),
        prompt_hash: system.hash,
        propose: ask.propose && llm.propose_changes,
    };
    if run.propose {
        request.tools.push(crate::generator::chat_tool::tool());
    }
    stream_proposing(store, io, provider.as_ref(), &request, &sleeper, &run, emit).await;
}

/// Streams the answer; a `propose_changes` call becomes a proposal (announced as
/// [`LlmEvent::Proposed`]) before the answer is reported done.
async fn stream_proposing(
    store: &Store,
    io: &EffectIo,
    provider: &dyn crate::llm::Provider,
    request: &crate::llm::ChatRequest,
    sleeper: &crate::sync::http::Sleeper,
    run: &ChatRun,
    mut emit: impl FnMut(crate::llm::LlmEvent),
) {
    use crate::llm::LlmEvent;
    let (mut calls, mut done) = (Vec::new(), None);
    crate::llm::stream_with_retry(provider, request, sleeper, |e| match e {
        LlmEvent::ToolCall {
            name, arguments, ..
        } => calls.push((name, arguments)),
        e @ LlmEvent::Done { .. } => done = Some(e),
        e => emit(e),
    })
    .await;
    for (name, arguments) in calls {
        let note = if !run.propose || name != crate::generator::chat_tool::NAME {
            format!("\n\n_(the model asked for a tool `{name}` that is not offered; ignored)_")
        } else {
            match propose_from_chat(store, io, &arguments, run).await {
                Ok(event) => {
                    emit(event);
                    continue;
                }
                Err(e) => format!("\n\n_(the model proposed changes that cannot be kept: {e})_"),
            }
        };
        emit(LlmEvent::Text(note));
    }
    if let Some(done) = done {
        emit(done);
    }
}

/// What a chat proposal records of the run that made it.
struct ChatRun {
    model: Option<String>,
    prompt_hash: String,
    /// The `propose_changes` tool is offered.
    propose: bool,
}

/// A `propose_changes` call kept as a pending chat proposal, its run recorded with it.
async fn propose_from_chat(
    store: &Store,
    io: &EffectIo,
    arguments: &str,
    run: &ChatRun,
) -> Result<crate::llm::LlmEvent, String> {
    let author = format!("chat ({})", io.prompts.author);
    let proposal = crate::generator::chat_tool::proposal(store.pool(), arguments, &author).await?;
    let (title, changes) = (proposal.title.clone(), proposal.changes.len());
    let now = io.clock.now();
    let record = crate::store::runs::NewRun {
        kind: "chat",
        author: io.prompts.author.clone(),
        model: run.model.clone(),
        template_hash: run.prompt_hash.clone(),
        ..crate::store::runs::NewRun::default()
    };
    let id = store
        .writer()
        .transaction(move |c| {
            Box::pin(async move {
                let id = crate::store::proposals::create(c, &proposal, now).await?;
                crate::store::runs::record(c, Some(id), &record, now).await?;
                Ok(id)
            })
        })
        .await
        .map_err(|e| e.to_string())?;
    Ok(crate::llm::LlmEvent::Proposed { id, title, changes })
}

/// One pass over the sources (none configured: nothing to do).
async fn sync_pass(
    store: &Store,
    io: &EffectIo,
    progress: Option<&crate::sync::Progress>,
) -> Vec<(String, Result<crate::sync::Counts, String>)> {
    let Some(config) = &io.sync else {
        return Vec::new();
    };
    let options = crate::sync::Options::from_config(&config.sync, io.clock.now());
    match crate::sync::run::pass(store, config, None, &options, None, progress).await {
        Ok(results) => results,
        Err(e) => vec![("sync".to_owned(), Err(e))],
    }
}

async fn dashboard(store: &Store, io: &EffectIo, generation: u64, view: DashboardView) -> Msg {
    let now = io.clock.now();
    let options = crate::report::Options {
        now,
        sprint: view.sprint,
        from: view
            .range_days
            .map(|d| now - chrono::Duration::days(i64::from(d))),
        to: None,
        working_days: crate::domain::metrics::WorkingDays::from_names(&view.metrics.working_days),
        aging_days: view.metrics.aging_days,
        capacity: view.metrics.capacity,
        default_capacity: view.metrics.default_capacity,
        workspace: view.workspace,
    };
    let result = match crate::report::from_store(store.pool(), None, options).await {
        Ok(Some(report)) => Ok(Box::new(report)),
        Ok(None) => Err("no issues yet: nothing to measure".to_owned()),
        Err(e) => Err(e.to_string()),
    };
    if let (Ok(report), true) = (&result, view.save_snapshot) {
        save_snapshot(store, report, now).await;
    }
    Msg::DashboardLoaded { generation, result }
}

/// The default view's report stored by an earlier run. One from an older build that no longer
/// parses is simply not shown.
async fn stored_dashboard(store: &Store) -> Option<Box<crate::report::Report>> {
    let json = snapshots::load(store.pool(), snapshots::DASHBOARD)
        .await
        .ok()??;
    serde_json::from_str::<crate::report::Report>(&json)
        .ok()
        .filter(|r| r.version == crate::report::VERSION)
        .map(Box::new)
}

/// Stores the default view's report for the next start. A failure costs only the head start,
/// so it is logged, not shown.
async fn save_snapshot(store: &Store, report: &crate::report::Report, now: DateTime<Utc>) {
    let Ok(json) = serde_json::to_string(report) else {
        return;
    };
    let saved = store
        .writer()
        .transaction(move |conn| {
            Box::pin(async move { snapshots::save(conn, snapshots::DASHBOARD, &json, now).await })
        })
        .await;
    if let Err(e) = saved {
        tracing::warn!("could not store the dashboard snapshot: {e}");
    }
}

async fn save_history(io: &EffectIo, history: &[String]) -> Option<Msg> {
    let mut text = history.join("\n");
    text.push('\n');
    if let Some(dir) = io.history_path.parent() {
        let _ = tokio::fs::create_dir_all(dir).await;
    }
    match tokio::fs::write(&io.history_path, text).await {
        Ok(()) => None,
        Err(e) => Some(Msg::Notice {
            text: format!("could not save filter history: {e}"),
            error: true,
        }),
    }
}

async fn freshness(store: &Store, io: &EffectIo) -> Msg {
    let synced = read::last_sync(store.pool()).await.unwrap_or_default();
    Msg::Freshness(
        io.sources
            .iter()
            .map(|name| {
                let last_ok = synced
                    .iter()
                    .find(|(n, _)| n == name)
                    .and_then(|(_, at)| at.as_deref().and_then(parse_instant));
                SourceFreshness {
                    name: name.clone(),
                    last_ok,
                }
            })
            .collect(),
    )
}

async fn board(
    store: &Store,
    generation: u64,
    filter: &crate::store::filter::SqlFilter,
    workflow_project: Option<&str>,
) -> Msg {
    let load = async {
        // A sprint holds at most a few thousand issues; the board shows them all.
        let rows = read::backlog(store.pool(), filter, Some(5000)).await?;
        let pending = crate::store::moves::pending_pushes(store.pool()).await?;
        let sprints = read::sprint_names(store.pool()).await?;
        let categories = match workflow_project {
            Some(project) => read::status_categories(store.pool(), project).await?,
            None => Vec::new(),
        };
        Ok::<_, crate::store::StoreError>(BoardData {
            rows,
            pending,
            sprints,
            categories,
        })
    };
    let result = load.await.map_err(|e| e.to_string());
    Msg::BoardLoaded { generation, result }
}

/// A board move is a person's own change: a manual proposal, applied at once through the same
/// path as any other (checked against the status the card showed, audited, queued for push).
async fn move_card(store: &Store, io: &EffectIo, m: crate::store::moves::CardMove) -> Msg {
    use crate::domain::proposal::{Change, Kind};
    let now = io.clock.now();
    let (key, target) = (m.key.clone(), m.target_status.clone());
    let proposal = crate::store::proposals::NewProposal {
        kind: Kind::Manual,
        title: format!("Move {} to {}", m.key, m.target_status),
        explanation: "Moved on the board.".to_owned(),
        evidence: Vec::new(),
        changes: vec![Change::SetStatus {
            key: m.key.clone(),
            from: m.expected_status.clone(),
            to: m.target_status.clone(),
            to_category: m.target_category.as_str().to_owned(),
        }],
        author: io.prompts.author.clone(),
        expires_at: None,
        fingerprint: None,
        severity: None,
    };
    let result = crate::store::proposals::create_and_apply(
        store,
        proposal,
        io.config.proposals.write_back,
        now,
    )
    .await
    .map(|_| ())
    .map_err(|e| match e {
        StoreError::Conflict(detail) => format!(
            "{key} changed since the board was loaded ({detail}); nothing was moved (ctrl-r reloads)"
        ),
        other => other.to_string(),
    });
    Msg::CardMoved {
        key,
        target,
        result,
    }
}
