//! Untrusted text (titles, descriptions, names, labels) may carry terminal escape sequences.
//! Everything shown on a terminal or written to an export passes through here.

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
    use super::sanitize;

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
