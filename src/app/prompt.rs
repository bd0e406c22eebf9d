//! Issue-to-prompt in the UI: `p` on an issue lists the templates; one with inputs asks for
//! them; the render comes back as a preview with its token count and version, to copy (OSC 52),
//! write to a file, pipe to `[prompts] pipe`, or attach the agent's answer to.

use std::collections::BTreeMap;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui_textarea::TextArea;

use super::msg::Effect;
use super::state::{PromptPane, PromptStage, State};
use super::update::flash;

pub fn open(state: &mut State, issue_id: i64, issue_key: String) -> Vec<Effect> {
    state.prompt = Some(PromptPane {
        issue_id,
        issue_key,
        stage: PromptStage::Pick { selected: 0 },
        scroll: 0,
    });
    state.dirty = true;
    Vec::new()
}

pub fn on_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    state.dirty = true;
    let Some(pane) = state.prompt.as_mut() else {
        return Vec::new();
    };
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match &mut pane.stage {
        PromptStage::Pick { selected } => {
            let count = state.settings.prompt_templates.len();
            match key.code {
                KeyCode::Esc | KeyCode::Char('q') => state.prompt = None,
                KeyCode::Down | KeyCode::Char('j') => {
                    *selected = (*selected + 1).min(count.saturating_sub(1));
                }
                KeyCode::Up | KeyCode::Char('k') => *selected = selected.saturating_sub(1),
                KeyCode::Enter => return pick(state),
                _ => {}
            }
        }
        PromptStage::Inputs {
            names,
            values,
            field,
            ..
        } => match key.code {
            KeyCode::Esc => pane.stage = PromptStage::Pick { selected: 0 },
            KeyCode::Tab | KeyCode::Down => *field = (*field + 1) % names.len().max(1),
            KeyCode::BackTab | KeyCode::Up => {
                *field = (*field + names.len().max(1) - 1) % names.len().max(1);
            }
            KeyCode::Enter if *field + 1 < names.len() => *field += 1,
            KeyCode::Enter => return render_with_inputs(state),
            _ => {
                if let Some(editor) = values.get_mut(*field) {
                    editor.input(key);
                }
            }
        },
        PromptStage::Rendering { .. } => {
            if key.code == KeyCode::Esc {
                state.prompt = None;
            }
        }
        PromptStage::Failed(_) => match key.code {
            KeyCode::Esc | KeyCode::Char('q') => state.prompt = None,
            _ => pane.stage = PromptStage::Pick { selected: 0 },
        },
        PromptStage::Preview(rendered) => {
            let rendered = rendered.clone();
            return preview_key(state, key, rendered);
        }
        PromptStage::Output { rendered, editor } => match key.code {
            KeyCode::Esc => pane.stage = PromptStage::Preview(rendered.clone()),
            KeyCode::Char('s') if ctrl => {
                let text = editor.lines().join("\n");
                if text.trim().is_empty() {
                    flash(state, "nothing pasted yet", true);
                    return Vec::new();
                }
                let version_id = rendered.version.id;
                pane.stage = PromptStage::Preview(rendered.clone());
                return vec![Effect::SavePromptOutput { version_id, text }];
            }
            _ => {
                editor.input(key);
            }
        },
    }
    Vec::new()
}

fn preview_key(
    state: &mut State,
    key: KeyEvent,
    rendered: Box<crate::prompt::Rendered>,
) -> Vec<Effect> {
    let Some(pane) = state.prompt.as_mut() else {
        return Vec::new();
    };
    let v = &rendered.version;
    match key.code {
        KeyCode::Esc | KeyCode::Char('q') => state.prompt = None,
        KeyCode::Char('j') | KeyCode::Down => pane.scroll = pane.scroll.saturating_add(1),
        KeyCode::Char('k') | KeyCode::Up => pane.scroll = pane.scroll.saturating_sub(1),
        KeyCode::PageDown => pane.scroll = pane.scroll.saturating_add(10),
        KeyCode::PageUp => pane.scroll = pane.scroll.saturating_sub(10),
        KeyCode::Char('t') => pane.stage = PromptStage::Pick { selected: 0 },
        KeyCode::Char('y') => {
            return vec![Effect::Copy {
                what: format!("the prompt ({} tokens)", v.tokens),
                text: v.text.clone(),
            }];
        }
        KeyCode::Char('w') => return vec![Effect::WritePrompt(Box::new(v.clone()))],
        KeyCode::Char('|') => {
            let Some(command) = state.settings.prompt_pipe.clone() else {
                flash(
                    state,
                    "no command to pipe to: set [prompts] pipe = \"…\" in the config",
                    true,
                );
                return Vec::new();
            };
            return vec![Effect::PipePrompt {
                command,
                text: v.text.clone(),
            }];
        }
        KeyCode::Char('o') => {
            pane.stage = PromptStage::Output {
                rendered,
                editor: Box::default(),
            };
        }
        _ => {}
    }
    Vec::new()
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
        .map(|(n, v)| (n.clone(), v.lines().join("\n")))
        .collect();
    let template = template.clone();
    render(state, template, vars)
}

fn render(state: &mut State, template: String, vars: BTreeMap<String, String>) -> Vec<Effect> {
    let Some(pane) = state.prompt.as_mut() else {
        return Vec::new();
    };
    pane.stage = PromptStage::Rendering {
        template: template.clone(),
    };
    pane.scroll = 0;
    vec![Effect::RenderPrompt {
        issue_id: pane.issue_id,
        template,
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
        Ok(r) => PromptStage::Preview(r),
        Err(e) => PromptStage::Failed(e),
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
    state.dashboard.prompt_stats = result.ok();
    state.dirty = true;
}
