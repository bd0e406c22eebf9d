//! Issue-to-prompt in the UI: `p` on an issue lists the templates; one with inputs asks for
//! them; the render comes back as a preview with its token count and version, to copy (OSC 52),
//! write to a file, pipe to `[prompts] pipe`, or attach the agent's answer to.

use std::collections::BTreeMap;

use crossterm::event::KeyEvent;
use ratatui_textarea::TextArea;

use super::msg::Effect;
use super::state::{PromptPane, PromptStage, State};
use super::update::flash;
use crate::domain::text::SafeText;
use crate::keymap::{Action, Context};

pub fn open(state: &mut State, issue_id: i64, issue_key: String) -> Vec<Effect> {
    state.prompt = Some(PromptPane {
        issue_id,
        issue_key: issue_key.into(),
        stage: PromptStage::Pick { selected: 0 },
        text: SafeText::default(),
        scroll: 0,
    });
    state.dirty = true;
    Vec::new()
}

/// Issue-to-prompt's keys at each stage; `None`: not one of them (typed, in an input).
pub fn act(state: &mut State, context: Context, action: Action) -> Option<Vec<Effect>> {
    let pane = state.prompt.as_mut()?;
    let count = state.settings.prompt_templates.len();
    match (&mut pane.stage, context) {
        (PromptStage::Pick { selected }, Context::Prompt) => match action {
            Action::Close | Action::Back => state.prompt = None,
            Action::Down => *selected = (*selected + 1).min(count.saturating_sub(1)),
            Action::Up => *selected = selected.saturating_sub(1),
            Action::Open | Action::Confirm => return Some(pick(state)),
            _ => return None,
        },
        (PromptStage::Inputs { names, field, .. }, Context::PromptInputs) => {
            let n = names.len().max(1);
            match action {
                Action::Back | Action::Templates => pane.stage = PromptStage::Pick { selected: 0 },
                Action::NextField => *field = (*field + 1) % n,
                Action::PrevField => *field = (*field + n - 1) % n,
                Action::Confirm if *field + 1 < names.len() => *field += 1,
                Action::Confirm => return Some(render_with_inputs(state)),
                _ => return None,
            }
        }
        (PromptStage::Rendering { .. }, Context::PromptRendering) => match action {
            Action::Close | Action::Back => state.prompt = None,
            _ => return None,
        },
        (PromptStage::Failed(_), Context::PromptFailed) => match action {
            Action::Close | Action::Back => state.prompt = None,
            Action::Templates => pane.stage = PromptStage::Pick { selected: 0 },
            _ => return None,
        },
        (PromptStage::Preview(rendered), Context::PromptPreview) => {
            let rendered = rendered.clone();
            return preview_action(state, action, rendered);
        }
        (PromptStage::Output { rendered, editor }, Context::PromptOutput) => match action {
            Action::Back | Action::Cancel => pane.stage = PromptStage::Preview(rendered.clone()),
            Action::Attach => {
                let text = editor.lines().join("\n");
                if text.trim().is_empty() {
                    flash(state, "nothing pasted yet", true);
                    return Some(Vec::new());
                }
                let version_id = rendered.version.id;
                pane.stage = PromptStage::Preview(rendered.clone());
                return Some(vec![Effect::SavePromptOutput { version_id, text }]);
            }
            _ => return None,
        },
        _ => return None,
    }
    Some(Vec::new())
}

/// A key typed into the input or the pasted answer.
pub fn type_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    match state.prompt.as_mut().map(|p| &mut p.stage) {
        Some(PromptStage::Inputs { values, field, .. }) => {
            if let Some(editor) = values.get_mut(*field) {
                editor.input(key);
            }
        }
        Some(PromptStage::Output { editor, .. }) => {
            editor.input(key);
        }
        _ => {}
    }
    Vec::new()
}

fn preview_action(
    state: &mut State,
    action: Action,
    rendered: Box<crate::prompt::Rendered>,
) -> Option<Vec<Effect>> {
    let pane = state.prompt.as_mut()?;
    let v = &rendered.version;
    match action {
        Action::Close | Action::Back => state.prompt = None,
        Action::Down => pane.scroll = pane.scroll.saturating_add(1),
        Action::Up => pane.scroll = pane.scroll.saturating_sub(1),
        Action::PageDown => pane.scroll = pane.scroll.saturating_add(10),
        Action::PageUp => pane.scroll = pane.scroll.saturating_sub(10),
        Action::Templates => pane.stage = PromptStage::Pick { selected: 0 },
        Action::Copy => {
            return Some(vec![Effect::Copy {
                what: format!("the prompt ({} tokens)", v.tokens),
                text: v.text.clone(),
            }]);
        }
        Action::WriteFile => return Some(vec![Effect::WritePrompt(Box::new(v.clone()))]),
        Action::Pipe => {
            let Some(command) = state.settings.prompt_pipe.clone() else {
                flash(
                    state,
                    "no command to pipe to: set [prompts] pipe = \"…\" in the config",
                    true,
                );
                return Some(Vec::new());
            };
            return Some(vec![Effect::PipePrompt {
                command,
                text: v.text.clone(),
            }]);
        }
        Action::AttachOutput => {
            pane.stage = PromptStage::Output {
                rendered,
                editor: Box::default(),
            };
        }
        _ => return None,
    }
    Some(Vec::new())
}

/// The chosen template: its inputs first if it declares any, else the render.
fn pick(state: &mut State) -> Vec<Effect> {
    let Some(pane) = state.prompt.as_mut() else {
        return Vec::new();
    };
    let PromptStage::Pick { selected } = pane.stage else {
        return Vec::new();
    };
    let Some(t) = state.settings.prompt_templates.get(selected).cloned() else {
        return Vec::new();
    };
    if t.vars.is_empty() {
        return render(state, t.name, BTreeMap::new());
    }
    pane.stage = PromptStage::Inputs {
        template: t.name,
        values: t.vars.iter().map(|_| TextArea::default()).collect(),
        names: t.vars,
        field: 0,
    };
    Vec::new()
}

fn render_with_inputs(state: &mut State) -> Vec<Effect> {
    let Some(PromptStage::Inputs {
        template,
        names,
        values,
        ..
    }) = state.prompt.as_ref().map(|p| &p.stage)
    else {
        return Vec::new();
    };
    let vars = names
        .iter()
        .zip(values)
        .map(|(n, v)| (n.to_string(), v.lines().join("\n")))
        .collect();
    let template = template.clone();
    render(state, template, vars)
}

fn render(state: &mut State, template: SafeText, vars: BTreeMap<String, String>) -> Vec<Effect> {
    let Some(pane) = state.prompt.as_mut() else {
        return Vec::new();
    };
    let request = template.to_string();
    pane.stage = PromptStage::Rendering { template };
    pane.scroll = 0;
    vec![Effect::RenderPrompt {
        issue_id: pane.issue_id,
        template: request,
        vars,
    }]
}

pub fn on_rendered(
    state: &mut State,
    result: Result<Box<crate::prompt::Rendered>, String>,
) -> Vec<Effect> {
    let Some(pane) = state.prompt.as_mut() else {
        return Vec::new();
    };
    if !matches!(pane.stage, PromptStage::Rendering { .. }) {
        return Vec::new();
    }
    let created = result.as_ref().is_ok_and(|r| r.created);
    pane.stage = match result {
        Ok(r) => {
            pane.text = SafeText::block(&r.version.text);
            PromptStage::Preview(r)
        }
        Err(e) => PromptStage::Failed(e.into()),
    };
    state.dirty = true;
    // The detail underneath lists the versions: show the new one there too.
    if created {
        super::detail::reload(state)
    } else {
        Vec::new()
    }
}

/// Pasted text goes into the output editor when it is open.
pub fn on_paste(state: &mut State, text: &str) -> bool {
    if let Some(PromptStage::Output { editor, .. }) = state.prompt.as_mut().map(|p| &mut p.stage) {
        editor.insert_str(text);
        state.dirty = true;
        return true;
    }
    false
}

pub fn on_stats(state: &mut State, result: Result<crate::store::prompts::Stats, String>) {
    state.dashboard.prompt_stats = result.ok().map(crate::domain::text::Safe::new);
    state.dirty = true;
}
