//! The generator's messages from the runtime: progress, the end of a run, the rules' verdict
//! on an edit, the idea back from `$EDITOR`.

use ratatui_textarea::TextArea;

use super::tree::recheck;
use super::{Generation, IDEA, Step};
use crate::app::msg::Effect;
use crate::app::state::State;
use crate::domain::text::{Safe, SafeText};
use crate::generator::Violation;
use crate::generator::run::{Outcome, Progress};

/// The generator's messages from the runtime.
pub fn on_msg(state: &mut State, msg: crate::app::msg::Msg) -> Vec<Effect> {
    use crate::app::msg::Msg;
    match msg {
        Msg::GeneratorProgress { run, events } => on_progress(state, run, events),
        Msg::GeneratorDone { run, result } => return on_done(state, run, result),
        Msg::GeneratorChecked { proposal, result } => return on_checked(state, proposal, result),
        Msg::Edited(result) => on_edited(state, result),
        _ => {}
    }
    Vec::new()
}

/// Pieces of the running generation.
pub fn on_progress(state: &mut State, run: u64, events: Vec<Progress>) {
    let Some(g) = state.proposals.generator.as_mut() else {
        return;
    };
    if run != g.run || g.step != Step::Running {
        return;
    }
    let mut text = false;
    for event in events {
        match event {
            Progress::Text(t) => {
                g.streamed.push_str(&t);
                text = true;
            }
            Progress::Attempt(n) => {
                g.streamed.clear();
                g.notes.push(SafeText::line(&format!(
                    "the answer did not match the schema; asked again (attempt {n})"
                )));
                g.activity = SafeText::line("repairing the answer…");
            }
            Progress::Splitting(title) => {
                g.activity = SafeText::line(&format!("asking the model to split \"{title}\"…"));
            }
            Progress::Waiting(s) => {
                g.activity = SafeText::line(&format!("rate limited; asking again in {s}s"));
            }
        }
    }
    if text && let Some(tree) = crate::generator::live::partial(&g.streamed) {
        g.tree = Safe::new(tree);
    }
    state.dirty = true;
}

pub fn on_done(
    state: &mut State,
    run: u64,
    result: Result<Box<Generation>, String>,
) -> Vec<Effect> {
    let Some(g) = state.proposals.generator.as_mut() else {
        return Vec::new();
    };
    if run != g.run {
        return Vec::new();
    }
    state.dirty = true;
    g.activity = SafeText::default();
    let generation = match result {
        Ok(generation) => generation,
        Err(e) => {
            g.step = Step::Form;
            g.error = Some(e.into());
            return Vec::new();
        }
    };
    match generation.outcome {
        Outcome::Questions { questions, usage } => {
            g.usage = usage;
            g.answers = questions.iter().map(|_| TextArea::default()).collect();
            g.answer_field = 0;
            g.questions = questions.iter().map(SafeText::from).collect();
            g.step = Step::Questions;
            Vec::new()
        }
        Outcome::Backlog(generated) => {
            g.usage = generated.usage;
            g.tree = Safe::new(generated.backlog);
            g.violations = generated.violations.into_iter().map(Safe::new).collect();
            g.notes.extend(generated.splits.iter().map(SafeText::from));
            g.diff = generation.diff.into_iter().map(Safe::new).collect();
            g.proposal = generation.proposal;
            g.step = Step::Review;
            g.cursor = 0;
            // The queue and its badge show the new pending proposal.
            vec![crate::app::proposals::load(state)]
        }
    }
}

/// The idea back from `$EDITOR`.
fn on_edited(state: &mut State, result: Result<String, String>) {
    let Some(g) = state.proposals.generator.as_mut() else {
        return;
    };
    match result {
        Ok(text) => {
            let mut idea = TextArea::default();
            idea.insert_str(text.trim_end());
            g.fields[IDEA] = idea;
            g.field = IDEA;
            g.error = None;
        }
        Err(e) => g.error = Some(e.into()),
    }
    state.dirty = true;
}

/// The rules' verdict on an edited backlog; edits made meanwhile are checked next.
pub fn on_checked(
    state: &mut State,
    proposal: i64,
    result: Result<Vec<Violation>, String>,
) -> Vec<Effect> {
    let Some(g) = state.proposals.generator.as_mut() else {
        return Vec::new();
    };
    if g.proposal != Some(proposal) || g.step != Step::Review {
        return Vec::new();
    }
    g.checking = false;
    if std::mem::take(&mut g.check_again) {
        return recheck(g);
    }
    g.activity = SafeText::default();
    match result {
        Ok(v) => {
            g.violations = v.into_iter().map(Safe::new).collect();
            g.error = None;
        }
        Err(e) => g.error = Some(e.into()),
    }
    state.dirty = true;
    Vec::new()
}
