//! A chat answer parsed for the screen: markdown lines, each citation of an issue cut into a
//! span of its own that names the keys it cites.

use crate::app::state::ChatTurn;
use crate::domain::markdown::{self, MdLine, MdSpan};
use crate::domain::text::SafeText;

/// An answer as markdown lines (control sequences removed), each `[OPS-12]` (or
/// `[OPS-1, OPS-2]`) cut into a span of its own that names the keys it cites.
pub fn answer_lines(answer: &str) -> Vec<MdLine> {
    markdown::parse(answer)
        .into_iter()
        .map(|line| MdLine {
            kind: line.kind,
            spans: split_citations(join_runs(line.spans)),
        })
        .collect()
}

/// The parser cuts text at brackets: runs of one look are joined again first.
fn join_runs(spans: Vec<MdSpan>) -> Vec<MdSpan> {
    let mut out: Vec<MdSpan> = Vec::new();
    for s in spans {
        match out.last_mut() {
            Some(last) if last.same_look(&s) => last.text.push(&s.text),
            _ => out.push(s),
        }
    }
    out
}

fn split_citations(spans: Vec<MdSpan>) -> Vec<MdSpan> {
    let mut out = Vec::new();
    for span in spans {
        let piece = |text: &str, cites: Vec<String>| MdSpan {
            text: SafeText::line(text),
            cites,
            ..span.clone()
        };
        let mut rest = span.text.as_str();
        while let Some(open) = rest.find('[') {
            let Some(len) = rest[open..].find(']') else {
                break;
            };
            let candidate = &rest[open..=open + len];
            let keys = cited_keys(candidate);
            if keys.is_empty() {
                out.push(piece(&rest[..=open], Vec::new()));
                rest = &rest[open + 1..];
                continue;
            }
            if open > 0 {
                out.push(piece(&rest[..open], Vec::new()));
            }
            out.push(piece(candidate, keys));
            rest = &rest[open + len + 1..];
        }
        if !rest.is_empty() {
            out.push(piece(rest, Vec::new()));
        }
    }
    out
}

/// The keys a `[...]` span cites (none when it is not a citation).
fn cited_keys(span: &str) -> Vec<String> {
    span.strip_prefix('[')
        .and_then(|s| s.strip_suffix(']'))
        .map(crate::llm::context::named_keys)
        .unwrap_or_default()
}

/// The turn's answer changed: its lines and citations follow (the only parse of it).
pub(super) fn reparse(turn: &mut ChatTurn) {
    turn.lines = answer_lines(&turn.answer);
    turn.cites = crate::llm::context::citations(&turn.answer);
    turn.shown_reasoning = crate::domain::text::SafeText::block(&turn.reasoning);
}
