//! The backlog generator (`g` in the Proposals tab): a form (idea, documents, project, story
//! format, depth, team constraints), the tree filling in while the model answers, its questions
//! answered in place, then the review: every rule's verdict per item, edits that re-check the
//! pending proposal (points, titles, dropping items), refinement by instruction (a new proposal
//! replacing the pending one, with what changed), and the proposal opened to apply.

mod form;
mod messages;
mod review;
mod tree;

use std::fmt::Write as _;

use ratatui_textarea::TextArea;

use super::msg::Effect;
use super::state::State;
use super::update::flash;
use crate::domain::text::{Safe, SafeText};
use crate::generator::diff::DiffLine;
use crate::generator::run::{Depth, Outcome};
use crate::generator::{Backlog, Violation};
use crate::keymap::{Action, Context};

pub use messages::{on_checked, on_done, on_msg, on_progress};

/// The form's fields, in order: label and what to type.
pub const FIELDS: [(&str, &str); 9] = [
    (
        "Idea",
        "what to build (enter: new line · ctrl-e: in $EDITOR)",
    ),
    ("Documents", "paths, comma-separated: .md, .txt, .pdf"),
    ("Project", "the key every item goes to"),
    (
        "Story format",
        "←/→ classic or bdd, or the path of your own template",
    ),
    ("Depth", "←/→ epics, stories or tasks"),
    ("Team size", "people"),
    ("Sprint length", "days"),
    ("Deadline", "YYYY-MM-DD"),
    ("Constraints", "anything else to respect"),
];
const IDEA: usize = 0;
const FILES: usize = 1;
const PROJECT: usize = 2;
const FORMAT: usize = 3;
const DEPTH: usize = 4;
const TEAM: usize = 5;
const SPRINT: usize = 6;
const DEADLINE: usize = 7;
const OTHER: usize = 8;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Form,
    /// The model is answering; the tree fills in.
    Running,
    /// The model asked; the user answers.
    Questions,
    Review,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    /// What to change in a refinement.
    Refine,
    /// A new title for the selected item.
    Title,
}

/// One line of the tree: where it is in the backlog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Item {
    pub epic: usize,
    pub story: Option<usize>,
    pub task: Option<usize>,
}

impl Item {
    /// The path the rules name it by: `epics[0].stories[2].tasks[1]`.
    pub fn path(self) -> String {
        let mut p = format!("epics[{}]", self.epic);
        if let Some(s) = self.story {
            let _ = write!(p, ".stories[{s}]");
        }
        if let Some(t) = self.task {
            let _ = write!(p, ".tasks[{t}]");
        }
        p
    }
}

/// Every item of `backlog`, in tree order.
pub fn items(backlog: &Backlog) -> Vec<Item> {
    let mut out = Vec::new();
    for (e, epic) in backlog.epics.iter().enumerate() {
        out.push(Item {
            epic: e,
            story: None,
            task: None,
        });
        for (s, story) in epic.stories.iter().enumerate() {
            out.push(Item {
                epic: e,
                story: Some(s),
                task: None,
            });
            for t in 0..story.tasks.len() {
                out.push(Item {
                    epic: e,
                    story: Some(s),
                    task: Some(t),
                });
            }
        }
    }
    out
}

/// What a generation asks the runtime for.
#[derive(Debug, Clone, PartialEq)]
pub struct GenerateJob {
    /// Tags progress, so a stopped run's late events are dropped.
    pub run: u64,
    pub idea: String,
    pub files: Vec<String>,
    pub project: String,
    /// `classic`, `bdd`, or a template file's path.
    pub format: String,
    pub depth: Depth,
    pub constraints: Option<String>,
    pub answers: Vec<(String, String)>,
    /// A refinement: the pending proposal, the backlog it holds, the instruction.
    pub revise: Option<(i64, Backlog, String)>,
    /// `[llm.profiles.NAME]` (the chat's current choice).
    pub profile: Option<String>,
}

/// What a finished generation brings back.
#[derive(Debug, Clone, PartialEq)]
pub struct Generation {
    pub outcome: Outcome,
    /// The pending proposal it was kept as (none for questions).
    pub proposal: Option<i64>,
    /// For a refinement: what changed against the replaced proposal.
    pub diff: Vec<DiffLine>,
}

#[derive(Debug, Clone)]
pub struct GeneratorPane {
    pub step: Step,
    pub fields: Vec<TextArea<'static>>,
    pub field: usize,
    pub run: u64,
    /// The answer so far (the running step).
    pub streamed: String,
    /// The backlog as it stands (cleaned on arrival, and again after each edit).
    pub tree: Safe<Backlog>,
    pub violations: Vec<Safe<Violation>>,
    /// What the run did besides answering: repairs, splits.
    pub notes: Vec<SafeText>,
    /// What it is doing now.
    pub activity: SafeText,
    pub proposal: Option<i64>,
    pub diff: Vec<Safe<DiffLine>>,
    pub questions: Vec<SafeText>,
    pub answers: Vec<TextArea<'static>>,
    pub answer_field: usize,
    pub cursor: usize,
    pub input: Option<(InputKind, TextArea<'static>)>,
    pub error: Option<SafeText>,
    /// The job of the last run (asked again with answers, or refined).
    pub last: Option<GenerateJob>,
    /// A re-check is on its way; edits made meanwhile are checked after it (one at a time, so
    /// the proposal ends up as the tree is and the verdict shown is the newest).
    pub checking: bool,
    pub check_again: bool,
    /// Tokens the last run used (in, out).
    pub usage: (u64, u64),
}

impl GeneratorPane {
    pub fn new(project: &str) -> Self {
        let mut fields: Vec<TextArea<'static>> =
            FIELDS.iter().map(|_| TextArea::default()).collect();
        fields[PROJECT].insert_str(project);
        fields[FORMAT].insert_str("classic");
        fields[DEPTH].insert_str("tasks");
        Self {
            step: Step::Form,
            fields,
            field: IDEA,
            run: 0,
            streamed: String::new(),
            tree: Safe::default(),
            violations: Vec::new(),
            notes: Vec::new(),
            activity: SafeText::default(),
            proposal: None,
            diff: Vec::new(),
            questions: Vec::new(),
            answers: Vec::new(),
            answer_field: 0,
            cursor: 0,
            input: None,
            error: None,
            last: None,
            checking: false,
            check_again: false,
            usage: (0, 0),
        }
    }

    pub fn value(&self, field: usize) -> String {
        self.fields[field].lines().join("\n").trim().to_owned()
    }

    /// The violations of the item at `path` (exactly that item).
    pub fn violations_of(&self, path: &str) -> impl Iterator<Item = &Safe<Violation>> {
        let path = path.to_owned();
        self.violations.iter().filter(move |v| v.path == path)
    }
}

/// `g` in the Proposals tab: shows the generator (where it was, or a new form).
pub fn open(state: &mut State) -> Vec<Effect> {
    if state.settings.llm_name.is_none() {
        flash(
            state,
            "no model configured: add [llm] to the config to generate",
            true,
        );
        return Vec::new();
    }
    if state.proposals.generator.is_none() {
        let project = state
            .backlog
            .selected_row()
            .map(|r| r.project_key.clone())
            .unwrap_or_default();
        state.proposals.generator = Some(Box::new(GeneratorPane::new(&project)));
    }
    state.proposals.generator_shown = true;
    state.dirty = true;
    Vec::new()
}

/// Where the generator's keys go: the input over the review, else the step it is at.
pub fn context(state: &State) -> Context {
    let Some(g) = &state.proposals.generator else {
        return Context::Proposals;
    };
    if g.input.is_some() {
        return Context::GeneratorInput;
    }
    match g.step {
        Step::Form => Context::Generator,
        Step::Running => Context::GeneratorRunning,
        Step::Questions => Context::GeneratorQuestions,
        Step::Review => Context::GeneratorReview,
    }
}

/// The generator's answer to `action` in `context`; `None`: not one of its keys (typed, in a
/// text field).
pub fn act(state: &mut State, context: Context, action: Action) -> Option<Vec<Effect>> {
    let g = state.proposals.generator.as_mut()?;
    match context {
        Context::Generator => form::act(state, action),
        Context::GeneratorRunning => Some(match action {
            Action::Stop | Action::Back => {
                g.step = Step::Form;
                g.run += 1;
                g.activity = SafeText::default();
                flash(state, "stopped; the form is as it was", false);
                vec![Effect::StopGenerating]
            }
            _ => Vec::new(),
        }),
        Context::GeneratorQuestions => form::questions_act(state, action),
        Context::GeneratorInput => review::input_act(state, action),
        _ => review::act(state, action),
    }
}

/// A key typed into the field that has the keyboard.
pub fn type_key(state: &mut State, key: crossterm::event::KeyEvent) -> Vec<Effect> {
    let Some(g) = state.proposals.generator.as_mut() else {
        return Vec::new();
    };
    if let Some((_, input)) = g.input.as_mut() {
        input.input(key);
    } else if g.step == Step::Questions {
        if let Some(a) = g.answers.get_mut(g.answer_field) {
            a.input(key);
        }
    } else if g.step == Step::Form {
        g.error = None;
        // Depth is chosen with the arrows, not typed.
        if g.field != DEPTH {
            g.fields[g.field].input(key);
        }
    }
    Vec::new()
}

/// Sends `job` and shows the running step.
fn start(g: &mut GeneratorPane, job: GenerateJob) -> Vec<Effect> {
    g.run = job.run;
    // A refinement starts from the tree as edited; a re-check still on its way is moot.
    g.checking = false;
    g.check_again = false;
    g.step = Step::Running;
    g.streamed.clear();
    g.tree = Safe::default();
    g.violations.clear();
    g.notes.clear();
    g.diff.clear();
    g.cursor = 0;
    g.error = None;
    g.activity = SafeText::line(if job.revise.is_some() {
        "revising the backlog…"
    } else {
        "writing the backlog…"
    });
    g.last = Some(job.clone());
    vec![Effect::Generate(Box::new(job))]
}
