//! The generator's form and the model's questions: fields, choices, the idea in `$EDITOR`,
//! and sending the job.

use ratatui_textarea::TextArea;

use super::{
    DEADLINE, DEPTH, FIELDS, FILES, FORMAT, GenerateJob, GeneratorPane, IDEA, OTHER, PROJECT,
    SPRINT, TEAM, start,
};
use crate::app::msg::Effect;
use crate::app::state::State;
use crate::generator::run::Depth;
use crate::keymap::Action;

/// The form as a job, or what is wrong with it.
fn job_of(g: &GeneratorPane) -> Result<GenerateJob, String> {
    let idea = g.value(IDEA);
    if idea.is_empty() {
        return Err("write the idea first".to_owned());
    }
    let project = g.value(PROJECT);
    if project.is_empty() {
        return Err("name the project every item goes to".to_owned());
    }
    let number = |field: usize, what: &str| -> Result<Option<u32>, String> {
        let v = g.value(field);
        if v.is_empty() {
            return Ok(None);
        }
        v.parse::<u32>()
            .map(Some)
            .map_err(|_| format!("{what} is a whole number, not {v:?}"))
    };
    let deadline = match g.value(DEADLINE) {
        v if v.is_empty() => None,
        v => Some(
            chrono::NaiveDate::parse_from_str(&v, "%Y-%m-%d")
                .map_err(|_| format!("the deadline is a date like 2026-12-31, not {v:?}"))?,
        ),
    };
    let other = g.value(OTHER);
    Ok(GenerateJob {
        run: g.run + 1,
        idea,
        files: g
            .value(FILES)
            .split(',')
            .map(str::trim)
            .filter(|f| !f.is_empty())
            .map(str::to_owned)
            .collect(),
        project,
        format: g.value(FORMAT),
        depth: Depth::parse(&g.value(DEPTH)).unwrap_or_default(),
        constraints: crate::generator::run::constraints(
            number(TEAM, "the team size")?,
            number(SPRINT, "the sprint length")?,
            deadline,
            Some(other.as_str()),
        ),
        answers: Vec::new(),
        revise: None,
        profile: None,
    })
}

fn submit(state: &mut State) -> Vec<Effect> {
    let profile = state
        .settings
        .llm_choices()
        .get(state.chat.profile)
        .and_then(|c| c.name.clone());
    let Some(g) = state.proposals.generator.as_mut() else {
        return Vec::new();
    };
    match job_of(g) {
        Ok(mut job) => {
            job.profile = profile;
            start(g, job)
        }
        Err(e) => {
            g.error = Some(e.into());
            Vec::new()
        }
    }
}

/// The form's keys; `None`: typed into the field (an arrow moves the cursor in the idea).
pub fn act(state: &mut State, action: Action) -> Option<Vec<Effect>> {
    let g = state.proposals.generator.as_mut()?;
    let last = FIELDS.len() - 1;
    // Whatever is done next, the last complaint is out of date.
    g.error = None;
    match action {
        Action::Back | Action::Close => state.proposals.generator_shown = false,
        Action::Generate => return Some(submit(state)),
        Action::ExternalEditor if g.field == IDEA => {
            return Some(vec![Effect::EditInEditor(g.value(IDEA))]);
        }
        Action::NextField => g.field = (g.field + 1) % FIELDS.len(),
        Action::PrevField => g.field = (g.field + FIELDS.len() - 1) % FIELDS.len(),
        Action::Confirm if g.field == IDEA => g.fields[IDEA].insert_newline(),
        Action::Confirm if g.field == last => return Some(generate(state)),
        Action::Confirm | Action::Down if g.field != IDEA => g.field = (g.field + 1).min(last),
        Action::Up if g.field != IDEA => g.field = g.field.saturating_sub(1),
        Action::Left | Action::Right if g.field == FORMAT || g.field == DEPTH => {
            let options: &[&str] = if g.field == FORMAT {
                &["classic", "bdd"]
            } else {
                &["epics", "stories", "tasks"]
            };
            let now = g.value(g.field);
            let at = options.iter().position(|o| *o == now).unwrap_or(0);
            let next = if action == Action::Right {
                (at + 1) % options.len()
            } else {
                (at + options.len() - 1) % options.len()
            };
            let mut fresh = TextArea::default();
            fresh.insert_str(options[next]);
            g.fields[g.field] = fresh;
        }
        _ => return None,
    }
    Some(Vec::new())
}

/// Generating from a key that does not itself write (enter on the last field) passes the same
/// gate as the generate key.
fn generate(state: &mut State) -> Vec<Effect> {
    if crate::app::keys::refused(state, Action::Generate) {
        return Vec::new();
    }
    submit(state)
}

/// The model's questions: answer each, then send them with the job again.
pub fn questions_act(state: &mut State, action: Action) -> Option<Vec<Effect>> {
    let g = state.proposals.generator.as_mut()?;
    let count = g.answers.len();
    match action {
        Action::Generate => return Some(send_answers(state)),
        Action::Confirm if g.answer_field + 1 >= count => {
            if crate::app::keys::refused(state, Action::Generate) {
                return Some(Vec::new());
            }
            return Some(send_answers(state));
        }
        Action::Confirm | Action::NextField | Action::Down => {
            g.answer_field = (g.answer_field + 1).min(count.saturating_sub(1));
        }
        Action::PrevField | Action::Up => g.answer_field = g.answer_field.saturating_sub(1),
        Action::Back => g.step = super::Step::Form,
        _ => return None,
    }
    Some(Vec::new())
}

fn send_answers(state: &mut State) -> Vec<Effect> {
    let Some(g) = state.proposals.generator.as_mut() else {
        return Vec::new();
    };
    let Some(mut job) = g.last.clone() else {
        return Vec::new();
    };
    job.answers.extend(
        g.questions
            .iter()
            .zip(&g.answers)
            .map(|(q, a)| (q.to_string(), a.lines().join(" ").trim().to_owned())),
    );
    job.run = g.run + 1;
    start(g, job)
}
