//! Markdown basics for descriptions and answers (headings, lists, code, quotes, emphasis),
//! parsed once when the text arrives into plain data; the UI only styles it.

use pulldown_cmark::{Event, HeadingLevel, Parser, Tag, TagEnd};

use super::text::{SafeText, sanitize};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MdKind {
    Heading,
    Text,
    Code,
    Quote,
    Blank,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MdSpan {
    pub text: SafeText,
    pub strong: bool,
    pub emphasis: bool,
    pub code: bool,
    /// The issue keys this span cites (a chat answer's `[OPS-12]`); empty for plain text.
    pub cites: Vec<String>,
}

impl MdSpan {
    /// The same look: spans that compare equal here draw alike and may be joined.
    pub fn same_look(&self, other: &Self) -> bool {
        self.strong == other.strong
            && self.emphasis == other.emphasis
            && self.code == other.code
            && self.cites.is_empty()
            && other.cites.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MdLine {
    pub kind: MdKind,
    pub spans: Vec<MdSpan>,
}

#[derive(Default)]
struct Builder {
    lines: Vec<MdLine>,
    current: Vec<MdSpan>,
    kind: Option<MdKind>,
    strong: bool,
    emphasis: bool,
    lists: Vec<Option<u64>>,
    quote: bool,
}

impl Builder {
    fn push_text(&mut self, text: &str, code: bool) {
        self.current.push(MdSpan {
            text: SafeText::line(text),
            strong: self.strong,
            emphasis: self.emphasis,
            code,
            cites: Vec::new(),
        });
    }

    fn flush(&mut self) {
        if self.current.is_empty() {
            return;
        }
        let kind = self.kind.unwrap_or(if self.quote {
            MdKind::Quote
        } else {
            MdKind::Text
        });
        self.lines.push(MdLine {
            kind,
            spans: std::mem::take(&mut self.current),
        });
    }

    fn blank(&mut self) {
        self.flush();
        if self.lines.last().is_some_and(|l| l.kind != MdKind::Blank) {
            self.lines.push(MdLine {
                kind: MdKind::Blank,
                spans: Vec::new(),
            });
        }
    }
}

/// Parses untrusted markdown; control characters are stripped from every piece of text.
pub fn parse(markdown: &str) -> Vec<MdLine> {
    let mut b = Builder::default();
    // Whole-text first: the parser splits text at `[` and `]`, which would cut an escape
    // sequence in two halves that each look harmless.
    let markdown = sanitize(markdown, true);
    for event in Parser::new(&markdown) {
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                b.blank();
                b.kind = Some(MdKind::Heading);
                let hashes = match level {
                    HeadingLevel::H1 => "# ",
                    HeadingLevel::H2 => "## ",
                    _ => "### ",
                };
                b.push_text(hashes, false);
            }
            Event::End(TagEnd::Heading(_)) => {
                b.flush();
                b.kind = None;
                b.blank();
            }
            Event::Start(Tag::Paragraph) | Event::End(TagEnd::Item) | Event::HardBreak => b.flush(),
            Event::End(TagEnd::Paragraph) => b.blank(),
            Event::Start(Tag::List(start)) => {
                b.flush();
                b.lists.push(start);
            }
            Event::End(TagEnd::List(_)) => {
                b.lists.pop();
                if b.lists.is_empty() {
                    b.blank();
                }
            }
            Event::Start(Tag::Item) => {
                b.flush();
                let depth = b.lists.len().saturating_sub(1);
                let marker = match b.lists.last_mut() {
                    Some(Some(n)) => {
                        let m = format!("{n}. ");
                        *n += 1;
                        m
                    }
                    _ => "• ".to_owned(),
                };
                b.push_text(&format!("{}{marker}", "  ".repeat(depth)), false);
            }
            Event::Start(Tag::CodeBlock(_)) => {
                b.flush();
                b.kind = Some(MdKind::Code);
            }
            Event::End(TagEnd::CodeBlock) => {
                b.kind = None;
                b.blank();
            }
            Event::Start(Tag::BlockQuote(_)) => {
                b.flush();
                b.quote = true;
            }
            Event::End(TagEnd::BlockQuote(_)) => {
                b.flush();
                b.quote = false;
            }
            Event::Start(Tag::Strong) => b.strong = true,
            Event::End(TagEnd::Strong) => b.strong = false,
            Event::Start(Tag::Emphasis) => b.emphasis = true,
            Event::End(TagEnd::Emphasis) => b.emphasis = false,
            Event::Text(text) if b.kind == Some(MdKind::Code) => {
                for (i, line) in text.split('\n').enumerate() {
                    if i > 0 {
                        b.flush();
                        b.kind = Some(MdKind::Code);
                    }
                    if !line.is_empty() {
                        b.push_text(line, true);
                    }
                }
            }
            Event::Text(text) => b.push_text(&text, false),
            Event::Code(text) => b.push_text(&text, true),
            Event::SoftBreak => b.push_text(" ", false),
            Event::Rule => {
                b.flush();
                b.push_text("────────", false);
                b.flush();
            }
            _ => {}
        }
    }
    b.flush();
    while b.lines.last().is_some_and(|l| l.kind == MdKind::Blank) {
        b.lines.pop();
    }
    b.lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(lines: &[MdLine]) -> Vec<String> {
        lines
            .iter()
            .map(|l| l.spans.iter().map(|s| s.text.as_str()).collect())
            .collect()
    }

    #[test]
    fn headings_lists_code_and_emphasis() {
        let md = "## Steps\n\n1. Sign in\n2. Open **the** page\n\n- a\n  - b\n\n```\nError: 500\nline 2\n```\n\nDone.";
        assert_eq!(
            plain(&parse(md)),
            vec![
                "## Steps",
                "",
                "1. Sign in",
                "2. Open the page",
                "",
                "• a",
                "  • b",
                "",
                "Error: 500",
                "line 2",
                "",
                "Done."
            ]
        );
        let lines = parse(md);
        assert!(lines[3].spans.iter().any(|s| s.strong && s.text == "the"));
        assert_eq!(lines[8].kind, MdKind::Code);
    }

    #[test]
    fn escape_sequences_are_stripped() {
        let lines = parse("Hello \u{1b}]0;pwned\u{7}\u{1b}[2Jworld");
        assert_eq!(plain(&lines), vec!["Hello world"]);
    }
}
