//! Text that attacks or confuses a terminal, as teams really paste it into trackers: escape
//! sequences (CSI, OSC 52 clipboard writes, OSC 0 window titles, OSC 8 links, DCS), C1 controls,
//! bidi overrides, zero-width characters and ZWJ emoji, flags, wide CJK, NUL, and very long
//! text. Every string must reach the store unchanged and the screen harmless.

use std::fmt::Write as _;

/// Both trackers cap a title at 255 characters (GitLab's issue model validates
/// `title, length: { maximum: 255 }`; Jira's summary field is limited to 255 characters), so the
/// longest titles here are 255 characters of wide text; the 10 KB text goes into descriptions.
pub const TITLE_LIMIT: usize = 255;

/// Titles, in the order they are given to the first issues of each tracker.
pub fn titles() -> Vec<String> {
    vec![
        "Fix login \u{1b}[2J\u{1b}[31mRED ALERT\u{1b}[0m after reset".to_owned(),
        "Copy \u{1b}]52;c;cm0gLXJmIH4vCg==\u{7}token helper".to_owned(),
        "Rename \u{1b}]0;pwned window title\u{7}release job".to_owned(),
        "Docs: \u{1b}]8;;https://evil.example/\u{1b}\\click here\u{1b}]8;;\u{1b}\\ for setup".to_owned(),
        "Sixel \u{1b}Pq#0;2;0;0;0#0~~@@vv@@~~\u{1b}\\ avatar and \u{1b}P+q544e\u{1b}\\ probe".to_owned(),
        "C1 controls \u{9b}31m here\u{85}next line \u{90}dcs\u{9c} end".to_owned(),
        "Invoice \u{202e}fdp.exe\u{202c} and \u{2066}isolated\u{2069} text".to_owned(),
        "Zero\u{200b}width\u{200c}joiners\u{200d}and\u{feff}BOM in a title".to_owned(),
        "Team 👩\u{200d}💻👨\u{200d}👩\u{200d}👧\u{200d}👦 celebrates 🇪🇺🇯🇵 launch 🏳\u{fe0f}\u{200d}🌈".to_owned(),
        "漢字のタイトル：配送トラッキング画面の全角文字テスト（长标题）".to_owned(),
        "Tab\there, CR\rthere, NUL\u{0}inside, e\u{301} combining".to_owned(),
        long_title(),
    ]
}

/// 255 characters of wide text with a flag and a ZWJ sequence near the end.
fn long_title() -> String {
    let tail = " 🇪🇺 👩\u{200d}💻 end";
    let mut title: String = "長いタイトル".chars().cycle().take(TITLE_LIMIT).collect();
    let keep = TITLE_LIMIT - tail.chars().count();
    title = title.chars().take(keep).collect();
    title.push_str(tail);
    title
}

/// A description over 10 KB mixing every kind of hostile text, in paragraphs.
pub fn long_description() -> String {
    let paragraph = "Steps: open the page, press \u{1b}[1mEnter\u{1b}[0m, watch \u{1b}]52;c;aGk=\u{7}the \
                     clipboard. 漢字 🇪🇺 👩\u{200d}💻 \u{202e}reversed\u{202c} zero\u{200b}width.";
    let mut out = String::new();
    let mut n = 0;
    while out.len() < 10 * 1024 + 100 {
        n += 1;
        if !out.is_empty() {
            out.push_str("\n\n");
        }
        let _ = write!(out, "{n}. {paragraph}");
    }
    out
}

/// Descriptions given with the hostile titles (one each, cycling).
pub fn descriptions() -> Vec<String> {
    vec![
        long_description(),
        "A NUL \u{0} byte, a bell \u{7} and a backspace \u{8} in a description.".to_owned(),
        "Paste from a terminal:\n\n\u{1b}[32m$ make\u{1b}[0m\n\u{1b}]0;owned\u{7}done".to_owned(),
    ]
}

/// Comments on the hostile issues.
pub const COMMENT: &str = "LGTM \u{1b}]52;c;ZWNobyBwd25lZAo=\u{7} 👍🏽 \u{202e}!enod\u{202c}";

/// The person with hostile names: as they go by, in GitLab and in Jira.
pub const PERSON_NAME: &str = "Mallory \u{202e}yrollaM\u{202c}";
pub const GITLAB_USER_NAME: &str = "Mallory \u{1b}[5mBlink\u{1b}[0m";
pub const JIRA_DISPLAY_NAME: &str = "Mallory \u{1b}]0;owned\u{7}\u{200d}🇪🇺";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_fit_the_trackers_and_the_long_text_is_long() {
        for t in titles() {
            assert!(t.chars().count() <= TITLE_LIMIT, "{t}");
        }
        assert_eq!(long_title().chars().count(), TITLE_LIMIT);
        assert!(long_description().len() > 10 * 1024);
        assert!(titles().iter().any(|t| t.contains('\u{0}')));
    }
}
