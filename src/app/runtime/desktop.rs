//! Effects on the user's desktop, carried out by the event loop itself: copy (OSC 52 through the
//! terminal), open in the browser, and editing a text in the user's own editor (`$VISUAL`,
//! `$EDITOR`, else `vi`: the UI gives the terminal back, the editor runs on a temporary file, the
//! UI takes the terminal again).

use tokio::sync::mpsc;

use crate::app::msg::{Effect, Msg};

/// Effects the event loop carries out itself rather than the executor: they reach the terminal
/// or the user's desktop. Tests record them instead.
pub fn is_desktop(effect: &Effect) -> bool {
    matches!(
        effect,
        Effect::Copy { .. } | Effect::OpenUrl(_) | Effect::EditInEditor(_)
    )
}

/// Copies or opens; what happened comes back as a notice for the status bar.
pub fn perform(effect: Effect, notices: &mpsc::Sender<Msg>) {
    let notice = match effect {
        Effect::OpenUrl(url) => match open::that_detached(&url) {
            Ok(()) => Msg::Notice {
                text: format!("opened {url}"),
                error: false,
            },
            Err(e) => Msg::Notice {
                text: format!("could not open {url}: {e}"),
                error: true,
            },
        },
        // OSC 52 reaches the local clipboard over SSH; inside tmux the route depends on how tmux
        // is set, and the notice says whether the copy is confirmed.
        Effect::Copy { text, what } => match crate::clipboard::send(&text) {
            Ok(copied) => Msg::Notice {
                text: copied.status(&what),
                error: false,
            },
            Err(e) => Msg::Notice {
                text: format!("could not copy: {e}"),
                error: true,
            },
        },
        _ => return,
    };
    let _ = notices.try_send(notice);
}

/// The editor command, split as a shell would (`code --wait` has an argument).
fn command() -> Result<Vec<String>, String> {
    let line = std::env::var("VISUAL")
        .ok()
        .or_else(|| std::env::var("EDITOR").ok())
        .filter(|e| !e.trim().is_empty())
        .unwrap_or_else(|| "vi".to_owned());
    shlex::split(&line)
        .filter(|words| !words.is_empty())
        .ok_or_else(|| format!("cannot read the editor command {line:?}"))
}

/// Runs the editor on `text` with the terminal handed over; the edited text, or why not.
pub async fn edit(terminal: &mut ratatui::DefaultTerminal, text: &str) -> Result<String, String> {
    let words = command()?;
    let file = tempfile::Builder::new()
        .prefix("sprintdeck-")
        .suffix(".md")
        .tempfile()
        .map_err(|e| format!("cannot make a temporary file: {e}"))?;
    std::fs::write(file.path(), text).map_err(|e| format!("cannot write the text: {e}"))?;
    ratatui::restore();
    let path = file.path().to_owned();
    let status = tokio::task::spawn_blocking(move || {
        std::process::Command::new(&words[0])
            .args(&words[1..])
            .arg(&path)
            .status()
            .map_err(|e| format!("cannot start {}: {e}", words[0]))
    })
    .await
    .map_err(|e| e.to_string())
    .and_then(|r| r);
    // The UI takes the terminal back whatever the editor did.
    *terminal = ratatui::try_init().map_err(|e| format!("cannot take the terminal back: {e}"))?;
    let _ = terminal.clear();
    let status = status?;
    if !status.success() {
        return Err(format!(
            "the editor exited with {status}; the text is unchanged"
        ));
    }
    std::fs::read_to_string(file.path()).map_err(|e| format!("cannot read the edited text: {e}"))
}
