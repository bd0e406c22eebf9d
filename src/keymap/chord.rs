//! Key chords as written in keymap files (`j`, `ctrl-r`, `shift-tab`, `g g`) and as read from
//! the terminal.

use std::fmt;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// One key press with its modifiers, normalised so that `G` and `shift-g` are the same key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    pub code: KeyName,
    pub ctrl: bool,
    pub alt: bool,
    pub shift: bool,
}

/// The key without modifiers. Characters are stored as typed (`G`, `?`), so shift is implied
/// by the character and only recorded for named keys (`shift-tab`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyName {
    Char(char),
    Enter,
    Esc,
    Tab,
    Backspace,
    Delete,
    Up,
    Down,
    Left,
    Right,
    Home,
    End,
    PageUp,
    PageDown,
    Space,
    F(u8),
}

const NAMES: &[(&str, KeyName)] = &[
    ("enter", KeyName::Enter),
    ("esc", KeyName::Esc),
    ("tab", KeyName::Tab),
    ("backspace", KeyName::Backspace),
    ("delete", KeyName::Delete),
    ("up", KeyName::Up),
    ("down", KeyName::Down),
    ("left", KeyName::Left),
    ("right", KeyName::Right),
    ("home", KeyName::Home),
    ("end", KeyName::End),
    ("pageup", KeyName::PageUp),
    ("pagedown", KeyName::PageDown),
    ("space", KeyName::Space),
];

/// A sequence of keys (`g g`).
pub type Chord = Vec<Key>;

impl Key {
    /// `ctrl-c`: quits from anywhere, whatever the keymap says, so that no keymap can lock
    /// the user in.
    pub fn interrupt() -> Self {
        Self {
            code: KeyName::Char('c'),
            ctrl: true,
            alt: false,
            shift: false,
        }
    }

    pub fn from_event(event: &KeyEvent) -> Option<Self> {
        let m = event.modifiers;
        let code = match event.code {
            KeyCode::Char(' ') => KeyName::Space,
            KeyCode::Char(c) => KeyName::Char(c),
            KeyCode::Enter => KeyName::Enter,
            KeyCode::Esc => KeyName::Esc,
            KeyCode::Tab => KeyName::Tab,
            KeyCode::BackTab => {
                return Some(Self {
                    code: KeyName::Tab,
                    ctrl: m.contains(KeyModifiers::CONTROL),
                    alt: m.contains(KeyModifiers::ALT),
                    shift: true,
                });
            }
            KeyCode::Backspace => KeyName::Backspace,
            KeyCode::Delete => KeyName::Delete,
            KeyCode::Up => KeyName::Up,
            KeyCode::Down => KeyName::Down,
            KeyCode::Left => KeyName::Left,
            KeyCode::Right => KeyName::Right,
            KeyCode::Home => KeyName::Home,
            KeyCode::End => KeyName::End,
            KeyCode::PageUp => KeyName::PageUp,
            KeyCode::PageDown => KeyName::PageDown,
            KeyCode::F(n) => KeyName::F(n),
            _ => return None,
        };
        let shift = m.contains(KeyModifiers::SHIFT) && !matches!(code, KeyName::Char(_));
        Some(Self {
            code,
            ctrl: m.contains(KeyModifiers::CONTROL),
            alt: m.contains(KeyModifiers::ALT),
            shift,
        })
    }
}

/// Parses `ctrl-r`, `shift-tab`, `G`, `?`, `-`, `g g`.
pub fn parse_chord(text: &str) -> Result<Chord, String> {
    let parts: Vec<&str> = text.split(' ').filter(|p| !p.is_empty()).collect();
    if parts.is_empty() {
        return Err("an empty key".into());
    }
    parts.into_iter().map(parse_key).collect()
}

fn parse_key(text: &str) -> Result<Key, String> {
    let mut key = Key {
        code: KeyName::Space,
        ctrl: false,
        alt: false,
        shift: false,
    };
    let mut rest = text;
    // `-` alone is a key; `ctrl--` is ctrl with `-`.
    loop {
        let lower = rest.to_ascii_lowercase();
        if rest.len() > 1 && (lower.starts_with("ctrl-") || lower.starts_with("c-")) {
            key.ctrl = true;
            rest = &rest[rest.find('-').map_or(0, |i| i + 1)..];
        } else if rest.len() > 1 && (lower.starts_with("alt-") || lower.starts_with("m-")) {
            key.alt = true;
            rest = &rest[rest.find('-').map_or(0, |i| i + 1)..];
        } else if rest.len() > 1 && lower.starts_with("shift-") {
            key.shift = true;
            rest = &rest[6..];
        } else {
            break;
        }
    }
    let mut chars = rest.chars();
    key.code = if let (Some(c), None) = (chars.next(), chars.next()) {
        if key.shift && c.is_ascii_alphabetic() {
            key.shift = false;
            KeyName::Char(c.to_ascii_uppercase())
        } else if key.ctrl && c.is_ascii_alphabetic() {
            KeyName::Char(c.to_ascii_lowercase())
        } else {
            KeyName::Char(c)
        }
    } else {
        let lower = rest.to_ascii_lowercase();
        if let Some(n) = lower.strip_prefix('f').and_then(|n| n.parse::<u8>().ok()) {
            KeyName::F(n)
        } else {
            NAMES
                .iter()
                .find(|(name, _)| {
                    *name == lower
                        || (lower == "return" && *name == "enter")
                        || (lower == "escape" && *name == "esc")
                })
                .map(|(_, k)| *k)
                .ok_or_else(|| {
                    format!("`{text}` is not a key (try j, ctrl-r, shift-tab, enter, f5)")
                })?
        }
    };
    if key.shift && matches!(key.code, KeyName::Char(_)) {
        return Err(format!(
            "`{text}`: write the shifted character itself (e.g. `G`, `?`)"
        ));
    }
    Ok(key)
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ctrl {
            f.write_str("ctrl-")?;
        }
        if self.alt {
            f.write_str("alt-")?;
        }
        if self.shift {
            f.write_str("shift-")?;
        }
        match self.code {
            KeyName::Char(c) => write!(f, "{c}"),
            KeyName::F(n) => write!(f, "f{n}"),
            named => {
                let name = NAMES
                    .iter()
                    .find(|(_, k)| *k == named)
                    .map_or("?", |(n, _)| n);
                f.write_str(name)
            }
        }
    }
}

pub fn format_chord(chord: &[Key]) -> String {
    chord
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_normalises() {
        assert_eq!(format_chord(&parse_chord("C-R").expect("ok")), "ctrl-r");
        assert_eq!(format_chord(&parse_chord("shift-g").expect("ok")), "G");
        assert_eq!(format_chord(&parse_chord("g  g").expect("ok")), "g g");
        assert_eq!(format_chord(&parse_chord("-").expect("ok")), "-");
        assert_eq!(format_chord(&parse_chord("Return").expect("ok")), "enter");
        assert_eq!(
            format_chord(&parse_chord("shift-tab").expect("ok")),
            "shift-tab"
        );
        assert!(parse_chord("ctrl-hyper").is_err());
        assert!(parse_chord("shift-?").is_err());
    }

    #[test]
    fn terminal_events_match_file_chords() {
        let ev = KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(
            Key::from_event(&ev),
            parse_chord("G").expect("ok").first().copied()
        );
        let ev = KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT);
        assert_eq!(
            Key::from_event(&ev),
            parse_chord("shift-tab").expect("ok").first().copied()
        );
        let ev = KeyEvent::new(KeyCode::Char('r'), KeyModifiers::CONTROL);
        assert_eq!(
            Key::from_event(&ev),
            parse_chord("ctrl-r").expect("ok").first().copied()
        );
    }
}
