//! Issue-to-prompt's state: the issue, the stage (template, inputs, preview, pasted answer).

use ratatui_textarea::TextArea;

use crate::domain::text::SafeText;

/// Issue-to-prompt over the backlog: pick a template, fill its inputs, see the preview.
#[derive(Debug, Clone)]
pub struct PromptPane {
    pub issue_id: i64,
    pub issue_key: SafeText,
    pub stage: PromptStage,
    /// The rendered prompt as the preview shows it (set when it arrives).
    pub text: SafeText,
    pub scroll: u16,
}

#[derive(Debug, Clone)]
pub enum PromptStage {
    Pick {
        selected: usize,
    },
    /// The template's declared inputs, one editor each.
    Inputs {
        template: SafeText,
        names: Vec<SafeText>,
        values: Vec<TextArea<'static>>,
        field: usize,
    },
    Rendering {
        template: SafeText,
    },
    Preview(Box<crate::prompt::Rendered>),
    /// Pasting the agent's answer to attach to the version shown.
    Output {
        rendered: Box<crate::prompt::Rendered>,
        editor: Box<TextArea<'static>>,
    },
    Failed(SafeText),
}
