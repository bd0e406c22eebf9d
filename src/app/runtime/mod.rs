//! The event loop: terminal input, store answers and a 1 Hz tick go through `update`; effects run
//! in the [`Executor`]'s tasks; the screen is drawn once per batch of messages when something
//! changed: at once after a key, else at most 30 times a second.

mod board;
mod chat;
mod dashboard;
mod desktop;
mod effects;
mod executor;
mod generator;
mod issues;
mod prompt;
mod proposals;
mod sync;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{
    DisableBracketedPaste, DisableFocusChange, DisableMouseCapture, EnableBracketedPaste,
    EnableFocusChange, EnableMouseCapture, Event, EventStream,
};
use futures_util::StreamExt;
use tokio::time::Instant;

use super::msg::{Effect, Msg};
use super::{State, init, update};
use crate::clock::Clock;
use crate::store::Store;

pub use desktop::is_desktop;
pub use effects::{EffectIo, perform};
pub use executor::Executor;

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

async fn event_loop(
    terminal: &mut ratatui::DefaultTerminal,
    store: &Arc<Store>,
    state: &mut State,
    options: &Options,
) -> Result<(), crate::Error> {
    let io = EffectIo {
        clock: options.clock,
        history_path: options.history_path.clone(),
        sources: options.sources.clone(),
        sync: options.sync.clone(),
        llm: options.llm.clone(),
        llm_sleeper: None,
        chat_summary: crate::llm::context::SummaryCache::default(),
        prompts: Arc::clone(&options.prompts),
        config: Arc::clone(&options.config),
    };
    let (mut exec, mut rx) = Executor::new(Arc::clone(store), io);
    let notices = exec.sender();
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
                    effect if is_desktop(&effect) => desktop::perform(effect, &notices),
                    effect => exec.run(effect),
                }
            }
        }
        if let Some(text) = editing {
            // The editor reads the keyboard: the UI's reader stops until it is done.
            drop(events);
            let edited = desktop::edit(terminal, &text).await;
            events = EventStream::new();
            for effect in update(state, Msg::Edited(edited)) {
                if is_desktop(&effect) {
                    desktop::perform(effect, &notices);
                } else {
                    exec.run(effect);
                }
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
