//! Untrusted text (titles, descriptions, names, labels) may carry terminal escape sequences.
//! Everything shown on a terminal or written to an export passes through here. In the UI, text
//! is cleaned once, when it enters the app, into a [`SafeText`] (or a [`Safe`] record): the
//! only kinds of data text the UI draws, so that forgetting to clean is a compile error.

use std::fmt;
use std::ops::Deref;

/// Text cleaned of escape sequences and control characters (see [`sanitize`]). The only way
/// to make one is to clean a text, so holding one means it was cleaned.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SafeText(String);

impl SafeText {
    /// One line: newlines and tabs become spaces.
    pub fn line(raw: &str) -> Self {
        Self(sanitize(raw, false))
    }

    /// A block (a description, an answer): newlines and tabs stay.
    pub fn block(raw: &str) -> Self {
        Self(sanitize(raw, true))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Appends clean text (two clean texts make a clean one: nothing that starts a sequence is
    /// left in either).
    pub fn push(&mut self, more: &SafeText) {
        self.0.push_str(&more.0);
    }
}

impl Deref for SafeText {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for SafeText {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SafeText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// From raw text, as one line.
impl From<&str> for SafeText {
    fn from(raw: &str) -> Self {
        Self::line(raw)
    }
}

/// From raw text, as one line.
impl From<String> for SafeText {
    fn from(raw: String) -> Self {
        Self::line(&raw)
    }
}

impl From<&String> for SafeText {
    fn from(raw: &String) -> Self {
        Self::line(raw)
    }
}

impl PartialEq<str> for SafeText {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for SafeText {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl PartialEq<String> for SafeText {
    fn eq(&self, other: &String) -> bool {
        self.0 == *other
    }
}

impl PartialEq<SafeText> for String {
    fn eq(&self, other: &SafeText) -> bool {
        *self == other.0
    }
}

impl PartialEq<SafeText> for &str {
    fn eq(&self, other: &SafeText) -> bool {
        *self == other.0
    }
}

/// A record whose every text field can be cleaned in place. Implementations destructure the
/// record whole, so that a text field added later must be cleaned (or said not to need it).
pub trait Clean {
    fn clean(&mut self);
}

impl Clean for String {
    fn clean(&mut self) {
        *self = sanitize(self, false);
    }
}

impl<T: Clean> Clean for Option<T> {
    fn clean(&mut self) {
        if let Some(t) = self {
            t.clean();
        }
    }
}

impl<T: Clean> Clean for Vec<T> {
    fn clean(&mut self) {
        for t in self {
            t.clean();
        }
    }
}

impl<T: Clean> Clean for Box<T> {
    fn clean(&mut self) {
        (**self).clean();
    }
}

/// Cleans a text that keeps its lines (a description).
pub fn clean_block(text: &mut String) {
    *text = sanitize(text, true);
}

/// A record cleaned when it entered the app; read-only (an edit cleans it again).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Safe<T>(T);

impl<T: Clean> Safe<T> {
    pub fn new(mut raw: T) -> Self {
        raw.clean();
        Self(raw)
    }

    /// Changes the record; it is cleaned again afterwards.
    pub fn edit(&mut self, change: impl FnOnce(&mut T)) {
        change(&mut self.0);
        self.0.clean();
    }
}

impl<T> Safe<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Deref for Safe<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

/// Removes ANSI/VT escape sequences (CSI, OSC, DCS and friends) and other control characters.
/// Newlines and tabs survive when `keep_newlines` is set (descriptions), otherwise they become
/// spaces (single-line cells).
pub fn sanitize(text: &str, keep_newlines: bool) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => skip_escape(&mut chars),
            // C1 control introducers (CSI, OSC, DCS, …) in their 8-bit form.
            '\u{9b}' => skip_until_final(&mut chars),
            '\u{90}' | '\u{9d}' | '\u{9e}' | '\u{9f}' | '\u{98}' => skip_string(&mut chars),
            '\n' if keep_newlines => out.push('\n'),
            '\t' if keep_newlines => out.push('\t'),
            '\n' | '\t' | '\r' => {
                if !out.ends_with(' ') {
                    out.push(' ');
                }
            }
            c if c.is_control() => {}
            // Bidi overrides can make a title display as something it is not.
            '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => {}
            c => out.push(c),
        }
    }
    out
}

fn skip_escape(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    match chars.next() {
        Some('[') => skip_until_final(chars),
        Some(']' | 'P' | 'X' | '^' | '_') => skip_string(chars),
        // Two-character sequences such as ESC c, ESC 7, ESC ( B.
        Some('(' | ')' | '*' | '+' | '#' | '%') => {
            chars.next();
        }
        _ => {}
    }
}

/// CSI: parameters and intermediates, then one final byte in `@`..=`~`.
fn skip_until_final(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    for c in chars.by_ref() {
        if ('@'..='~').contains(&c) {
            break;
        }
    }
}

/// OSC/DCS/APC/PM/SOS: up to BEL or ST (`ESC \`).
fn skip_string(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    while let Some(c) = chars.next() {
        match c {
            '\u{7}' | '\u{9c}' => break,
            '\u{1b}' => {
                if chars.peek() == Some(&'\\') {
                    chars.next();
                }
                break;
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Safe, SafeText, sanitize};

    #[test]
    fn safe_text_is_always_clean() {
        let t: SafeText = "a\u{1b}[2Jb\nc".into();
        assert_eq!(t, "ab c");
        assert_eq!(SafeText::block("a\u{1b}]0;x\u{7}\nb").as_str(), "a\nb");
        let mut s = Safe::new(vec!["x\u{1b}[31m".to_owned()]);
        assert_eq!(s[0], "x");
        s.edit(|v| v.push("\u{9b}31my".to_owned()));
        assert_eq!(s[1], "y");
    }

    #[test]
    fn strips_osc_csi_and_controls() {
        let title = "Fix\u{1b}]0;x\u{7}\u{1b}[2J login \u{1b}[31mred\u{1b}[0m\u{0}\u{8} ok";
        assert_eq!(sanitize(title, false), "Fix login red ok");
    }

    #[test]
    fn keeps_unicode_and_optional_newlines() {
        assert_eq!(sanitize("Café 漢字 🚀\nnext", true), "Café 漢字 🚀\nnext");
        assert_eq!(sanitize("a\r\nb", false), "a b");
    }

    #[test]
    fn strips_st_terminated_and_c1_sequences() {
        assert_eq!(
            sanitize("a\u{1b}P1;2|data\u{1b}\\b\u{9b}31mc", false),
            "abc"
        );
        assert_eq!(sanitize("x\u{202e}gnp.exe", false), "xgnp.exe");
    }
}
