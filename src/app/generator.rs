//! The backlog generator (`g` in the Proposals tab): a form (idea, documents, project, story
//! format, depth, team constraints), the tree filling in while the model answers, its questions
//! answered in place, then the review: every rule's verdict per item, edits that re-check the
//! pending proposal (points, titles, dropping items), refinement by instruction (a new proposal
//! replacing the pending one, with what changed), and the proposal opened to apply.

use std::fmt::Write as _;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui_textarea::TextArea;

use super::msg::Effect;
use super::state::State;
use super::update::flash;
use crate::generator::diff::DiffLine;
use crate::generator::run::{Depth, Outcome, Progress};
use crate::generator::{Backlog, Violation};

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
    pub tree: Backlog,
    pub violations: Vec<Violation>,
    /// What the run did besides answering: repairs, splits.
    pub notes: Vec<String>,
    /// What it is doing now.
    pub activity: String,
    pub proposal: Option<i64>,
    pub diff: Vec<DiffLine>,
    pub questions: Vec<String>,
    pub answers: Vec<TextArea<'static>>,
    pub answer_field: usize,
    pub cursor: usize,
    pub input: Option<(InputKind, TextArea<'static>)>,
    pub error: Option<String>,
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
            tree: Backlog::default(),
            violations: Vec::new(),
            notes: Vec::new(),
            activity: String::new(),
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
    pub fn violations_of(&self, path: &str) -> impl Iterator<Item = &Violation> {
        let path = path.to_owned();
        self.violations.iter().filter(move |v| v.path == path)
    }
}

/// `g` in the Proposals tab: shows the generator (where it was, or a new form).
pub fn open(state: &mut State) -> Vec<Effect> {
    if state.settings.read_only {
        flash(state, "read-only mode: nothing can be generated", true);
        return Vec::new();
    }
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

/// Keys while the generator is shown; `None` lets the key through (help, quit, tabs).
pub fn on_key(state: &mut State, key: KeyEvent) -> Option<Vec<Effect>> {
    let g = state.proposals.generator.as_mut()?;
    state.dirty = true;
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    if g.input.is_some() {
        return Some(input_key(state, key));
    }
    match g.step {
        Step::Form => Some(form_key(state, key, ctrl)),
        Step::Running => Some(match key.code {
            KeyCode::Esc => {
                g.step = Step::Form;
                g.run += 1;
                g.activity.clear();
                flash(state, "stopped; the form is as it was", false);
                vec![Effect::StopGenerating]
            }
            _ => Vec::new(),
        }),
        Step::Questions => Some(questions_key(state, key, ctrl)),
        Step::Review => review_key(state, key),
    }
}

fn form_key(state: &mut State, key: KeyEvent, ctrl: bool) -> Vec<Effect> {
    let Some(g) = state.proposals.generator.as_mut() else {
        return Vec::new();
    };
    let last = FIELDS.len() - 1;
    match key.code {
        KeyCode::Esc => state.proposals.generator_shown = false,
        KeyCode::Char('s') if ctrl => return submit(state),
        KeyCode::Char('e') if ctrl && g.field == IDEA => {
            return vec![Effect::EditInEditor(g.value(IDEA))];
        }
        KeyCode::F(5) => return submit(state),
        KeyCode::Tab => g.field = (g.field + 1) % FIELDS.len(),
        KeyCode::BackTab => g.field = (g.field + FIELDS.len() - 1) % FIELDS.len(),
        KeyCode::Enter if g.field == IDEA => g.fields[IDEA].insert_newline(),
        KeyCode::Enter if g.field == last => return submit(state),
        KeyCode::Enter | KeyCode::Down if g.field != IDEA => g.field += 1,
        KeyCode::Up if g.field != IDEA => g.field = g.field.saturating_sub(1),
        KeyCode::Left | KeyCode::Right if g.field == FORMAT || g.field == DEPTH => {
            let options: &[&str] = if g.field == FORMAT {
                &["classic", "bdd"]
            } else {
                &["epics", "stories", "tasks"]
            };
            let now = g.value(g.field);
            let at = options.iter().position(|o| *o == now).unwrap_or(0);
            let next = if key.code == KeyCode::Right {
                (at + 1) % options.len()
            } else {
                (at + options.len() - 1) % options.len()
            };
            let mut fresh = TextArea::default();
            fresh.insert_str(options[next]);
            g.fields[g.field] = fresh;
        }
        _ if g.field == DEPTH => {}
        _ => {
            g.fields[g.field].input(key);
        }
    }
    g.error = None;
    Vec::new()
}

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
            g.error = Some(e);
            Vec::new()
        }
    }
}

/// Sends `job` and shows the running step.
fn start(g: &mut GeneratorPane, job: GenerateJob) -> Vec<Effect> {
    g.run = job.run;
    // A refinement starts from the tree as edited; a re-check still on its way is moot.
    g.checking = false;
    g.check_again = false;
    g.step = Step::Running;
    g.streamed.clear();
    g.tree = Backlog::default();
    g.violations.clear();
    g.notes.clear();
    g.diff.clear();
    g.cursor = 0;
    g.error = None;
    g.activity = if job.revise.is_some() {
        "revising the backlog…".to_owned()
    } else {
        "writing the backlog…".to_owned()
    };
    g.last = Some(job.clone());
    vec![Effect::Generate(Box::new(job))]
}

fn questions_key(state: &mut State, key: KeyEvent, ctrl: bool) -> Vec<Effect> {
    let Some(g) = state.proposals.generator.as_mut() else {
        return Vec::new();
    };
    let count = g.answers.len();
    let send = (ctrl && key.code == KeyCode::Char('s'))
        || key.code == KeyCode::F(5)
        || (key.code == KeyCode::Enter && g.answer_field + 1 >= count);
    if send {
        let Some(mut job) = g.last.clone() else {
            return Vec::new();
        };
        job.answers.extend(
            g.questions
                .iter()
                .zip(&g.answers)
                .map(|(q, a)| (q.clone(), a.lines().join(" ").trim().to_owned())),
        );
        job.run = g.run + 1;
        return start(g, job);
    }
    match key.code {
        KeyCode::Esc => g.step = Step::Form,
        KeyCode::Tab | KeyCode::Enter | KeyCode::Down => {
            g.answer_field = (g.answer_field + 1).min(count.saturating_sub(1));
        }
        KeyCode::BackTab | KeyCode::Up => g.answer_field = g.answer_field.saturating_sub(1),
        _ => {
            if let Some(a) = g.answers.get_mut(g.answer_field) {
                a.input(key);
            }
        }
    }
    Vec::new()
}

fn review_key(state: &mut State, key: KeyEvent) -> Option<Vec<Effect>> {
    let g = state.proposals.generator.as_mut()?;
    let all = items(&g.tree);
    let selected = all.get(g.cursor).copied();
    Some(match key.code {
        KeyCode::Esc => {
            state.proposals.generator_shown = false;
            Vec::new()
        }
        KeyCode::Char('j') | KeyCode::Down => {
            g.cursor = (g.cursor + 1).min(all.len().saturating_sub(1));
            Vec::new()
        }
        KeyCode::Char('k') | KeyCode::Up => {
            g.cursor = g.cursor.saturating_sub(1);
            Vec::new()
        }
        KeyCode::Char(c @ ('+' | '-')) => match selected {
            Some(item) if item.story.is_some() => {
                bump(&mut g.tree, item, if c == '+' { 1.0 } else { -1.0 });
                recheck(g)
            }
            _ => {
                flash(state, "points are set on stories and tasks", true);
                Vec::new()
            }
        },
        KeyCode::Char('d') => match selected {
            Some(item) => {
                drop_item(&mut g.tree, item);
                g.cursor = g.cursor.min(items(&g.tree).len().saturating_sub(1));
                if g.tree.epics.is_empty() {
                    flash(
                        state,
                        "every item is dropped: reject the proposal instead",
                        true,
                    );
                    return Some(Vec::new());
                }
                recheck(g)
            }
            None => Vec::new(),
        },
        KeyCode::Char('e') => {
            if let Some(item) = selected {
                let mut input = TextArea::default();
                input.insert_str(title(&g.tree, item));
                g.input = Some((InputKind::Title, input));
            }
            Vec::new()
        }
        KeyCode::Char('f') => {
            if g.proposal.is_some() {
                g.input = Some((InputKind::Refine, TextArea::default()));
            }
            Vec::new()
        }
        KeyCode::Char('o') | KeyCode::Enter => match g.proposal {
            Some(id) => {
                state.proposals.generator_shown = false;
                super::proposals::open(state, id)
            }
            None => Vec::new(),
        },
        KeyCode::Char('n') => {
            g.step = Step::Form;
            g.proposal = None;
            Vec::new()
        }
        _ => return None,
    })
}

/// Typing a refinement or a title: Enter sends, Esc drops it.
fn input_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let Some(g) = state.proposals.generator.as_mut() else {
        return Vec::new();
    };
    let Some((kind, input)) = g.input.as_mut() else {
        return Vec::new();
    };
    match key.code {
        KeyCode::Esc => g.input = None,
        KeyCode::Enter => {
            let text = input.lines().join(" ").trim().to_owned();
            let kind = *kind;
            g.input = None;
            if text.is_empty() {
                return Vec::new();
            }
            match kind {
                InputKind::Title => {
                    if let Some(item) = items(&g.tree).get(g.cursor).copied() {
                        set_title(&mut g.tree, item, text);
                        return recheck(g);
                    }
                }
                InputKind::Refine => {
                    let (Some(id), Some(mut job)) = (g.proposal, g.last.clone()) else {
                        return Vec::new();
                    };
                    job.revise = Some((id, g.tree.clone(), text));
                    job.run = g.run + 1;
                    return start(g, job);
                }
            }
        }
        _ => {
            input.input(key);
        }
    }
    Vec::new()
}

fn recheck(g: &mut GeneratorPane) -> Vec<Effect> {
    let Some(proposal) = g.proposal else {
        return Vec::new();
    };
    if g.checking {
        g.check_again = true;
        return Vec::new();
    }
    g.checking = true;
    "checking the rules…".clone_into(&mut g.activity);
    vec![Effect::RecheckGenerated {
        proposal,
        backlog: Box::new(g.tree.clone()),
    }]
}

fn title(tree: &Backlog, item: Item) -> String {
    let epic = &tree.epics[item.epic];
    match (item.story, item.task) {
        (None, _) => epic.title.clone(),
        (Some(s), None) => epic.stories[s].title.clone(),
        (Some(s), Some(t)) => epic.stories[s].tasks[t].title.clone(),
    }
}

fn set_title(tree: &mut Backlog, item: Item, text: String) {
    let epic = &mut tree.epics[item.epic];
    match (item.story, item.task) {
        (None, _) => epic.title = text,
        (Some(s), None) => epic.stories[s].title = text,
        (Some(s), Some(t)) => epic.stories[s].tasks[t].title = text,
    }
}

fn bump(tree: &mut Backlog, item: Item, by: f64) {
    let Some(s) = item.story else {
        return;
    };
    let story = &mut tree.epics[item.epic].stories[s];
    let points = match item.task {
        None => &mut story.points,
        Some(t) => &mut story.tasks[t].points,
    };
    *points = Some((points.unwrap_or(0.0) + by).max(0.0));
}

fn drop_item(tree: &mut Backlog, item: Item) {
    match (item.story, item.task) {
        (None, _) => {
            tree.epics.remove(item.epic);
        }
        (Some(s), None) => {
            tree.epics[item.epic].stories.remove(s);
        }
        (Some(s), Some(t)) => {
            tree.epics[item.epic].stories[s].tasks.remove(t);
        }
    }
}

/// The generator's messages from the runtime.
pub fn on_msg(state: &mut State, msg: super::msg::Msg) -> Vec<Effect> {
    use super::msg::Msg;
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
                g.notes.push(format!(
                    "the answer did not match the schema; asked again (attempt {n})"
                ));
                "repairing the answer…".clone_into(&mut g.activity);
            }
            Progress::Splitting(title) => {
                g.activity = format!("asking the model to split \"{title}\"…");
            }
            Progress::Waiting(s) => g.activity = format!("rate limited; asking again in {s}s"),
        }
    }
    if text && let Some(tree) = crate::generator::live::partial(&g.streamed) {
        g.tree = tree;
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
    g.activity.clear();
    let generation = match result {
        Ok(generation) => generation,
        Err(e) => {
            g.step = Step::Form;
            g.error = Some(e);
            return Vec::new();
        }
    };
    match generation.outcome {
        Outcome::Questions { questions, usage } => {
            g.usage = usage;
            g.answers = questions.iter().map(|_| TextArea::default()).collect();
            g.answer_field = 0;
            g.questions = questions;
            g.step = Step::Questions;
            Vec::new()
        }
        Outcome::Backlog(generated) => {
            g.usage = generated.usage;
            g.tree = generated.backlog;
            g.violations = generated.violations;
            g.notes.extend(generated.splits);
            g.diff = generation.diff;
            g.proposal = generation.proposal;
            g.step = Step::Review;
            g.cursor = 0;
            // The queue and its badge show the new pending proposal.
            vec![super::proposals::load(state)]
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
        Err(e) => g.error = Some(e),
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
    g.activity.clear();
    match result {
        Ok(v) => {
            g.violations = v;
            g.error = None;
        }
        Err(e) => g.error = Some(e),
    }
    state.dirty = true;
    Vec::new()
}
