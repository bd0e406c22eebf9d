//! Copying through the terminal (OSC 52): works over SSH, since the terminal on the user's
//! desk does the copying. Inside tmux the sequence is wrapped for passthrough, so it reaches
//! the outer terminal even when tmux's `set-clipboard` is off (with `allow-passthrough on`).

use crossterm::Command as _;
use crossterm::clipboard::CopyToClipboard;

/// The OSC 52 sequence that puts `text` on the clipboard:
/// `ESC ] 52 ; c ; <base64> ESC \`.
pub fn osc52(text: &[u8]) -> String {
    let mut out = String::new();
    // Writing into a String cannot fail.
    let _ = CopyToClipboard::to_clipboard_from(text).write_ansi(&mut out);
    out
}

/// `sequence` wrapped in tmux's passthrough: `ESC P tmux; <sequence, each ESC doubled> ESC \`.
pub fn tmux_passthrough(sequence: &str) -> String {
    format!("\x1bPtmux;{}\x1b\\", sequence.replace('\x1b', "\x1b\x1b"))
}

/// What to write to the terminal to copy `text`: passed through when inside tmux.
pub fn sequence(text: &[u8], inside_tmux: bool) -> String {
    let seq = osc52(text);
    if inside_tmux {
        tmux_passthrough(&seq)
    } else {
        seq
    }
}

/// Whether this process runs inside tmux (`$TMUX` is set by tmux for its panes).
pub fn inside_tmux() -> bool {
    std::env::var_os("TMUX").is_some_and(|v| !v.is_empty())
}

/// Copies `text` by writing the sequence to the terminal.
pub fn copy(text: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut out = std::io::stdout();
    out.write_all(sequence(text.as_bytes(), inside_tmux()).as_bytes())?;
    out.flush()
}
