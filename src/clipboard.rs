//! Copying through the terminal (OSC 52): works over SSH, since the terminal on the user's desk
//! does the copying.
//!
//! Inside tmux the sequence only gets through when tmux lets it, so tmux is asked first:
//! - `set-clipboard on`: the plain sequence; tmux keeps a paste buffer and sets the outer
//!   terminal's clipboard.
//! - `allow-passthrough on` (off by default since tmux 3.3): the sequence wrapped for
//!   passthrough, which tmux hands to the outer terminal as it is.
//! - otherwise (tmux's defaults, `set-clipboard external`, which drops an application's OSC 52):
//!   tmux's own `load-buffer -w`, which fills a paste buffer and sets the outer clipboard.
//!
//! What is reported says whether the copy is known to have landed (tmux took it) or only sent.

use std::io::{Read as _, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

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

/// Whether this process runs inside tmux (`$TMUX` is set by tmux for its panes).
pub fn inside_tmux() -> bool {
    std::env::var_os("TMUX").is_some_and(|v| !v.is_empty())
}

/// tmux's `set-clipboard`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetClipboard {
    /// Takes an application's OSC 52 into a buffer and passes it on.
    On,
    /// tmux's default: sets the outer clipboard itself, but ignores an application's OSC 52.
    External,
    Off,
}

/// What decides how a copy gets out of tmux.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TmuxSettings {
    pub set_clipboard: SetClipboard,
    /// `allow-passthrough` is `on` or `all` (or tmux predates it and always passes through).
    pub passthrough: bool,
}

impl TmuxSettings {
    /// tmux's answer to `#{set-clipboard}|#{allow-passthrough}`. An option tmux does not know
    /// expands to nothing: tmux before 3.3 had no `allow-passthrough` and passed everything.
    pub fn parse(answer: &str) -> Result<Self, String> {
        let (clip, pass) = answer
            .trim()
            .split_once('|')
            .ok_or_else(|| format!("unexpected answer {answer:?}"))?;
        let set_clipboard = match clip {
            "on" | "1" => SetClipboard::On,
            "external" => SetClipboard::External,
            "off" | "0" => SetClipboard::Off,
            other => return Err(format!("unexpected set-clipboard {other:?}")),
        };
        let passthrough = match pass {
            "on" | "all" | "1" | "" => true,
            "off" | "0" => false,
            other => return Err(format!("unexpected allow-passthrough {other:?}")),
        };
        Ok(Self {
            set_clipboard,
            passthrough,
        })
    }
}

/// The tmux this process runs in, as copying needs it (a fake in tests).
pub trait Tmux {
    /// The pane's `set-clipboard` and `allow-passthrough`.
    fn settings(&self) -> Result<TmuxSettings, String>;
    /// `text` into a paste buffer, and tmux asked to set the terminal's clipboard with it.
    fn load_buffer(&self, text: &[u8]) -> Result<(), String>;
}

/// How the text went out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// No tmux: OSC 52 to the terminal, which may or may not allow it.
    Terminal,
    /// tmux with `set-clipboard on`: the plain sequence, taken by tmux.
    TmuxForwards,
    /// tmux with `allow-passthrough`: the wrapped sequence, handed to the outer terminal.
    TmuxPassthrough,
    /// tmux's `load-buffer -w`: in tmux's buffer, and the outer clipboard set by tmux.
    TmuxBuffer,
    /// tmux did not say how it is set (the reason): both sequences were sent.
    Unknown(String),
}

/// A copy that went out, and whether it is known to have landed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copied {
    pub route: Route,
}

impl Copied {
    /// Whether tmux took the text (a terminal does not say whether it honoured OSC 52).
    pub fn confirmed(&self) -> bool {
        matches!(self.route, Route::TmuxForwards | Route::TmuxBuffer)
    }

    /// What to tell the user about copying `what` ("key OPS-12").
    pub fn status(&self, what: &str) -> String {
        match &self.route {
            Route::TmuxForwards => format!("copied {what} (tmux buffer and clipboard)"),
            Route::TmuxBuffer => format!("copied {what} into tmux's buffer and clipboard"),
            Route::Terminal => format!("sent {what} to the terminal's clipboard (unconfirmed)"),
            Route::TmuxPassthrough => {
                format!("sent {what} through tmux to the terminal's clipboard (unconfirmed)")
            }
            Route::Unknown(why) => {
                format!("sent {what} to the terminal, unconfirmed: tmux did not answer ({why})")
            }
        }
    }
}

/// Copies `text`: writes what gets through to `out` (the terminal), or hands it to `tmux` when
/// this process runs inside it.
pub fn copy_with(
    out: &mut dyn Write,
    text: &str,
    tmux: Option<&dyn Tmux>,
) -> std::io::Result<Copied> {
    let plain = osc52(text.as_bytes());
    let Some(tmux) = tmux else {
        out.write_all(plain.as_bytes())?;
        out.flush()?;
        return Ok(Copied {
            route: Route::Terminal,
        });
    };
    let route = match tmux.settings() {
        Ok(s) if s.set_clipboard == SetClipboard::On => {
            out.write_all(plain.as_bytes())?;
            Route::TmuxForwards
        }
        Ok(s) if s.passthrough => {
            out.write_all(tmux_passthrough(&plain).as_bytes())?;
            Route::TmuxPassthrough
        }
        Ok(_) => {
            tmux.load_buffer(text.as_bytes()).map_err(|e| {
                std::io::Error::other(format!(
                    "tmux did not take the text ({e}); `set -g set-clipboard on` in tmux.conf lets \
                     sprintdeck copy through the terminal"
                ))
            })?;
            Route::TmuxBuffer
        }
        Err(why) => {
            // One of the two gets through whichever way tmux is set, if either does.
            out.write_all(plain.as_bytes())?;
            out.write_all(tmux_passthrough(&plain).as_bytes())?;
            Route::Unknown(why)
        }
    };
    out.flush()?;
    Ok(Copied { route })
}

/// Copies `text` through standard output (the terminal the UI draws on).
pub fn send(text: &str) -> std::io::Result<Copied> {
    let tmux = inside_tmux().then_some(SystemTmux);
    copy_with(
        &mut std::io::stdout(),
        text,
        tmux.as_ref().map(|t| t as &dyn Tmux),
    )
}

/// Copies `text`; an error when it cannot get through. [`send`] also says whether it landed.
pub fn copy(text: &str) -> std::io::Result<()> {
    send(text).map(|_| ())
}

/// The `tmux` binary this process runs under, asked with a short timeout.
pub struct SystemTmux;

/// tmux answers in milliseconds; a hung server must not hang a copy.
const TMUX_TIMEOUT: Duration = Duration::from_millis(500);

/// Runs `command` with `input` on its standard input: its output, or the first line of its
/// error.
fn run(command: &mut Command, input: Option<&[u8]>) -> Result<String, String> {
    let mut child = command
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run tmux: {e}"))?;
    if let (Some(bytes), Some(mut stdin)) = (input, child.stdin.take()) {
        stdin
            .write_all(bytes)
            .map_err(|e| format!("writing to tmux: {e}"))?;
    }
    let deadline = Instant::now() + TMUX_TIMEOUT;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(5)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("no answer within {} ms", TMUX_TIMEOUT.as_millis()));
            }
            Err(e) => return Err(e.to_string()),
        }
    };
    let mut stdout = String::new();
    let mut stderr = String::new();
    if let Some(p) = child.stdout.as_mut() {
        let _ = p.read_to_string(&mut stdout);
    }
    if let Some(p) = child.stderr.as_mut() {
        let _ = p.read_to_string(&mut stderr);
    }
    if status.success() {
        Ok(stdout)
    } else {
        Err(stderr.lines().next().unwrap_or("failed").trim().to_owned())
    }
}

impl Tmux for SystemTmux {
    fn settings(&self) -> Result<TmuxSettings, String> {
        // The pane's own values, inherited ones included, in one call.
        let mut command = Command::new("tmux");
        command.args(["display-message", "-p"]);
        if let Some(pane) = std::env::var_os("TMUX_PANE").filter(|p| !p.is_empty()) {
            command.arg("-t").arg(pane);
        }
        command.arg("#{set-clipboard}|#{allow-passthrough}");
        TmuxSettings::parse(&run(&mut command, None)?)
    }

    fn load_buffer(&self, text: &[u8]) -> Result<(), String> {
        run(
            Command::new("tmux").args(["load-buffer", "-w", "-"]),
            Some(text),
        )
        .map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use super::*;

    /// tmux as configured, recording what it was handed.
    struct FakeTmux {
        settings: Result<TmuxSettings, String>,
        load_fails: Option<String>,
        loaded: RefCell<Vec<Vec<u8>>>,
    }

    impl FakeTmux {
        fn set(set_clipboard: SetClipboard, passthrough: bool) -> Self {
            Self {
                settings: Ok(TmuxSettings {
                    set_clipboard,
                    passthrough,
                }),
                load_fails: None,
                loaded: RefCell::new(Vec::new()),
            }
        }
    }

    impl Tmux for FakeTmux {
        fn settings(&self) -> Result<TmuxSettings, String> {
            self.settings.clone()
        }

        fn load_buffer(&self, text: &[u8]) -> Result<(), String> {
            self.loaded.borrow_mut().push(text.to_vec());
            self.load_fails.clone().map_or(Ok(()), Err)
        }
    }

    const PLAIN: &str = "\x1b]52;c;T1BTLTE5OA==\x1b\\";
    const WRAPPED: &str = "\x1bPtmux;\x1b\x1b]52;c;T1BTLTE5OA==\x1b\x1b\\\x1b\\";

    /// The bytes written to the terminal, what tmux was handed, and what happened.
    fn copy_in(tmux: Option<&FakeTmux>) -> (String, Vec<Vec<u8>>, std::io::Result<Copied>) {
        let mut out = Vec::new();
        let copied = copy_with(&mut out, "OPS-198", tmux.map(|t| t as &dyn Tmux));
        let loaded = tmux.map(|t| t.loaded.borrow().clone()).unwrap_or_default();
        (String::from_utf8(out).expect("utf8"), loaded, copied)
    }

    #[test]
    fn sequences_are_osc52_and_its_tmux_passthrough() {
        assert_eq!(osc52("hi ✓".as_bytes()), "\x1b]52;c;aGkg4pyT\x1b\\");
        assert_eq!(osc52(b"OPS-198"), PLAIN);
        assert_eq!(tmux_passthrough(PLAIN), WRAPPED);
    }

    #[test]
    fn without_tmux_the_plain_sequence_is_sent_and_not_claimed_as_landed() {
        let (bytes, _, copied) = copy_in(None);
        assert_eq!(bytes, PLAIN);
        let copied = copied.expect("sent");
        assert!(!copied.confirmed());
        assert_eq!(
            copied.status("key OPS-198"),
            "sent key OPS-198 to the terminal's clipboard (unconfirmed)"
        );
    }

    #[test]
    fn tmux_defaults_get_tmux_to_copy_not_a_passthrough_it_drops() {
        // tmux 3.3+: set-clipboard external, allow-passthrough off.
        let tmux = FakeTmux::set(SetClipboard::External, false);
        let (bytes, loaded, copied) = copy_in(Some(&tmux));
        assert_eq!(bytes, "", "nothing tmux would drop");
        assert_eq!(loaded, [b"OPS-198".to_vec()]);
        let copied = copied.expect("copied");
        assert!(copied.confirmed());
        assert_eq!(
            copied.status("key OPS-198"),
            "copied key OPS-198 into tmux's buffer and clipboard"
        );
    }

    #[test]
    fn tmux_with_passthrough_on_gets_the_wrapped_sequence() {
        let tmux = FakeTmux::set(SetClipboard::External, true);
        let (bytes, loaded, copied) = copy_in(Some(&tmux));
        assert_eq!(bytes, WRAPPED);
        assert!(loaded.is_empty());
        let copied = copied.expect("sent");
        assert!(!copied.confirmed(), "the outer terminal does not say");
        assert!(copied.status("key OPS-198").contains("unconfirmed"));
    }

    #[test]
    fn tmux_with_set_clipboard_on_gets_the_plain_sequence() {
        for passthrough in [false, true] {
            let tmux = FakeTmux::set(SetClipboard::On, passthrough);
            let (bytes, loaded, copied) = copy_in(Some(&tmux));
            assert_eq!(bytes, PLAIN, "passthrough {passthrough}");
            assert!(loaded.is_empty());
            assert!(copied.expect("copied").confirmed());
        }
    }

    #[test]
    fn tmux_with_set_clipboard_off_uses_passthrough_or_tmuxs_buffer() {
        let tmux = FakeTmux::set(SetClipboard::Off, true);
        let (bytes, _, _) = copy_in(Some(&tmux));
        assert_eq!(bytes, WRAPPED);
        let tmux = FakeTmux::set(SetClipboard::Off, false);
        let (bytes, loaded, copied) = copy_in(Some(&tmux));
        assert_eq!(bytes, "");
        assert_eq!(loaded, [b"OPS-198".to_vec()]);
        assert!(copied.expect("copied").confirmed());
    }

    #[test]
    fn a_tmux_that_does_not_answer_gets_both_sequences_and_an_honest_status() {
        let tmux = FakeTmux {
            settings: Err("no answer within 500 ms".to_owned()),
            load_fails: None,
            loaded: RefCell::new(Vec::new()),
        };
        let (bytes, loaded, copied) = copy_in(Some(&tmux));
        assert_eq!(bytes, format!("{PLAIN}{WRAPPED}"));
        assert!(loaded.is_empty());
        let copied = copied.expect("sent");
        assert!(!copied.confirmed());
        assert_eq!(
            copied.status("URL"),
            "sent URL to the terminal, unconfirmed: tmux did not answer (no answer within 500 ms)"
        );
    }

    #[test]
    fn a_tmux_that_refuses_the_buffer_is_an_error_saying_what_to_set() {
        let mut tmux = FakeTmux::set(SetClipboard::External, false);
        tmux.load_fails = Some("unknown flag -w".to_owned());
        let (bytes, _, copied) = copy_in(Some(&tmux));
        assert_eq!(bytes, "");
        let err = copied.expect_err("refused").to_string();
        assert!(err.contains("unknown flag -w"), "{err}");
        assert!(err.contains("set -g set-clipboard on"), "{err}");
    }

    #[test]
    fn tmuxs_answers_are_read_across_versions() {
        let parse = |a: &str| TmuxSettings::parse(a).map(|s| (s.set_clipboard, s.passthrough));
        // tmux 3.3 (a flag shown as 0/1), 3.4 (on/off/all), before 3.3 (no such option).
        assert_eq!(parse("external|0\n"), Ok((SetClipboard::External, false)));
        assert_eq!(parse("on|1"), Ok((SetClipboard::On, true)));
        assert_eq!(parse("off|all"), Ok((SetClipboard::Off, true)));
        assert_eq!(parse("external|"), Ok((SetClipboard::External, true)));
        assert!(parse("").is_err());
        assert!(parse("maybe|0").is_err());
    }
}
