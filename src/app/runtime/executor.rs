//! The effect executor: every effect `update` asks for runs here as a task that answers with a
//! message on the loop's channel. A newer query replaces (aborts) the running one of its kind;
//! the model's streams (chat answers, generations) send their pieces as they arrive and stop on
//! request. The event loop and the tests use this same executor.

use std::sync::Arc;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::chat::{ChatQuestion, chat_answer};
use super::{EffectIo, perform};
use crate::app::msg::{Effect, Msg};
use crate::store::Store;

/// How many answers may wait for the loop before a task waits to send.
const QUEUE: usize = 256;

pub struct Executor {
    store: Arc<Store>,
    tx: mpsc::Sender<Msg>,
    /// What the effects need besides the store (tests change it between effects).
    pub io: EffectIo,
    /// Held by every task while it runs: the executor is idle when it is the only holder.
    busy: Arc<()>,
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

/// Puts `task` in the slot's place, aborting the one it replaces.
fn replace(slot: &mut Option<JoinHandle<()>>, task: JoinHandle<()>) {
    if let Some(old) = slot.replace(task) {
        old.abort();
    }
}

impl Executor {
    /// An executor over `store`, and the channel its tasks answer on.
    pub fn new(store: Arc<Store>, io: EffectIo) -> (Self, mpsc::Receiver<Msg>) {
        let (tx, rx) = mpsc::channel(QUEUE);
        let executor = Self {
            store,
            tx,
            io,
            busy: Arc::new(()),
            backlog: None,
            window: None,
            detail: None,
            dashboard: None,
            board: None,
            sync: None,
            chat: None,
            generator: None,
        };
        (executor, rx)
    }

    /// A sender onto the same channel (for answers made outside the executor).
    pub fn sender(&self) -> mpsc::Sender<Msg> {
        self.tx.clone()
    }

    /// No task is running: every answer is on the channel already.
    pub fn idle(&self) -> bool {
        Arc::strong_count(&self.busy) == 1
    }

    /// Spawns `task`, counted as running until it ends or is aborted.
    fn spawn(&self, task: impl Future<Output = ()> + Send + 'static) -> JoinHandle<()> {
        let busy = Arc::clone(&self.busy);
        tokio::spawn(async move {
            task.await;
            // Counted as running until here (dropped early too when the task is aborted).
            drop(busy);
        })
    }

    /// Streams a chat answer in a task of its own: each event goes to the loop as it arrives.
    fn start_chat(&mut self, turn: u64, ask: ChatQuestion) {
        let store = Arc::clone(&self.store);
        let io = self.io.clone();
        let tx = self.tx.clone();
        let task = self.spawn(async move {
            let (events, forward) = batched(tx, move |events| Msg::ChatEvents { turn, events });
            chat_answer(&store, &io, &ask, |e| {
                let _ = events.send(e);
            })
            .await;
            drop(events);
            let _ = forward.await;
        });
        replace(&mut self.chat, task);
    }

    /// Runs a generation in a task of its own: progress goes to the loop as it arrives.
    fn start_generating(&mut self, job: Box<crate::app::generator::GenerateJob>) {
        let store = Arc::clone(&self.store);
        let io = self.io.clone();
        let tx = self.tx.clone();
        let task = self.spawn(async move {
            let run = job.run;
            let (events, forward) = batched(tx.clone(), move |events| Msg::GeneratorProgress {
                run,
                events,
            });
            let result = super::generator::run_job(&store, &io, &job, &mut |p| {
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
        replace(&mut self.generator, task);
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

    /// Runs `effect` in a task of its own; its answer comes on the channel. Effects on the
    /// user's desktop (copy, open, the editor) are the event loop's: see [`super::is_desktop`].
    pub fn run(&mut self, effect: Effect) {
        let Some(effect) = self.streams(effect) else {
            return;
        };
        if super::is_desktop(&effect) {
            return;
        }
        if matches!(effect, Effect::StartSync) {
            self.start_sync();
            return;
        }
        // A newer query makes a running one pointless: stop it (a new backlog query also
        // makes the window being fetched for the old one pointless).
        let kind = slot_of(&effect);
        if matches!(kind, Some(Slot::Backlog))
            && let Some(task) = self.window.take()
        {
            task.abort();
        }
        let store = Arc::clone(&self.store);
        let io = self.io.clone();
        let tx = self.tx.clone();
        let handle = self.spawn(async move {
            if let Some(msg) = perform(&store, &io, effect).await {
                // The loop may have ended; nothing to tell then.
                let _ = tx.send(msg).await;
            }
        });
        if let Some(kind) = kind {
            replace(self.slot(&kind), handle);
        }
    }

    fn slot(&mut self, kind: &Slot) -> &mut Option<JoinHandle<()>> {
        match kind {
            Slot::Backlog => &mut self.backlog,
            Slot::Window => &mut self.window,
            Slot::Detail => &mut self.detail,
            Slot::Dashboard => &mut self.dashboard,
            Slot::Board => &mut self.board,
        }
    }

    /// One sync pass in the background: progress goes to the loop as it happens; the pass's
    /// answer ends it.
    fn start_sync(&mut self) {
        let store = Arc::clone(&self.store);
        let io = self.io.clone();
        let tx = self.tx.clone();
        self.sync = Some(self.spawn(async move {
            let (progress, mut events) = mpsc::unbounded_channel();
            let forward = {
                let tx = tx.clone();
                tokio::spawn(async move {
                    while let Some(event) = events.recv().await {
                        let _ = tx.send(Msg::Sync(event)).await;
                    }
                })
            };
            let results = super::sync::sync_pass(&store, &io, Some(&progress)).await;
            drop(progress);
            let _ = forward.await;
            let _ = tx.send(Msg::SyncDone(results)).await;
        }));
    }
}

/// The queries of which only the newest matters: each kind runs in a slot of its own.
enum Slot {
    Backlog,
    Window,
    Detail,
    Dashboard,
    Board,
}

fn slot_of(effect: &Effect) -> Option<Slot> {
    Some(match effect {
        Effect::LoadBacklog { .. } => Slot::Backlog,
        Effect::LoadWindow { .. } => Slot::Window,
        Effect::LoadDetail { .. } => Slot::Detail,
        Effect::LoadDashboard { .. } => Slot::Dashboard,
        Effect::LoadBoard { .. } => Slot::Board,
        _ => return None,
    })
}
