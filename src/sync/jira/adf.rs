//! Atlassian Document Format into the markdown-ish text the detail view renders: headings,
//! paragraphs, lists (nested, ordered), code blocks, quotes, panels, tables, mentions, cards,
//! emoji, hard breaks and marks. A node it does not know gives its text content, never an error.

use serde_json::Value;

/// The text of a description or comment: ADF (Jira Cloud, API v3), or already plain (v2, Data
/// Center), or nothing.
pub fn to_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Object(_) => {
            let mut out = String::new();
            block(value, &mut out, &Context::default());
            // Empty paragraphs would stack blank lines: one is enough.
            let mut text = String::with_capacity(out.len());
            for line in out.lines() {
                if line.trim().is_empty() && (text.is_empty() || text.ends_with("\n\n")) {
                    continue;
                }
                text.push_str(line);
                text.push('\n');
            }
            text.trim_end().to_owned()
        }
        _ => String::new(),
    }
}

#[derive(Default, Clone)]
struct Context {
    /// Prefix of every line: quote markers and list indentation.
    prefix: String,
}

fn children(node: &Value) -> &[Value] {
    node.get("content")
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

fn attr<'a>(node: &'a Value, name: &str) -> Option<&'a Value> {
    node.get("attrs").and_then(|a| a.get(name))
}

fn attr_str<'a>(node: &'a Value, name: &str) -> Option<&'a str> {
    attr(node, name).and_then(Value::as_str)
}

/// Writes `text` as lines under the context's prefix, then a blank line.
fn lines(text: &str, out: &mut String, ctx: &Context) {
    for line in text.split('\n') {
        out.push_str(&ctx.prefix);
        out.push_str(line);
        out.push('\n');
    }
}

fn blank(out: &mut String, ctx: &Context) {
    out.push_str(ctx.prefix.trim_end());
    out.push('\n');
}

fn block(node: &Value, out: &mut String, ctx: &Context) {
    let kind = node.get("type").and_then(Value::as_str).unwrap_or("");
    match kind {
        "doc" => blocks(children(node), out, ctx),
        "paragraph" => {
            lines(&inline_all(children(node)), out, ctx);
            blank(out, ctx);
        }
        "heading" => {
            let level = attr(node, "level")
                .and_then(Value::as_u64)
                .unwrap_or(1)
                .clamp(1, 6);
            let hashes = "#".repeat(usize::try_from(level).unwrap_or(1));
            lines(
                &format!("{hashes} {}", inline_all(children(node))),
                out,
                ctx,
            );
            blank(out, ctx);
        }
        "bulletList" | "orderedList" | "taskList" | "decisionList" => {
            list(node, kind, out, ctx);
            blank(out, ctx);
        }
        "codeBlock" => {
            let language = attr_str(node, "language").unwrap_or("");
            lines(&format!("```{language}"), out, ctx);
            lines(plain_all(children(node)).trim_end_matches('\n'), out, ctx);
            lines("```", out, ctx);
            blank(out, ctx);
        }
        "blockquote" => quoted(None, children(node), out, ctx),
        "panel" => {
            let label = match attr_str(node, "panelType").unwrap_or("info") {
                "note" => "Note",
                "warning" => "Warning",
                "error" => "Error",
                "success" => "Success",
                "tip" => "Tip",
                _ => "Info",
            };
            quoted(Some(label), children(node), out, ctx);
        }
        "expand" | "nestedExpand" => {
            if let Some(title) = attr_str(node, "title").filter(|t| !t.is_empty()) {
                lines(&format!("**{title}**"), out, ctx);
            }
            blocks(children(node), out, ctx);
        }
        "rule" => {
            lines("---", out, ctx);
            blank(out, ctx);
        }
        "table" => {
            table(node, out, ctx);
            blank(out, ctx);
        }
        "mediaSingle" | "mediaGroup" | "media" => {
            lines("[attachment]", out, ctx);
            blank(out, ctx);
        }
        "blockCard" | "embedCard" => {
            if let Some(url) = attr_str(node, "url") {
                lines(&format!("<{url}>"), out, ctx);
                blank(out, ctx);
            }
        }
        // Inline content where a block was expected, or a node this converter does not know:
        // its text.
        _ => {
            let text = inline(node);
            if !text.trim().is_empty() {
                lines(&text, out, ctx);
                blank(out, ctx);
            }
        }
    }
}

/// Quote and panel content behind `> `, without a trailing empty quote line, then a blank line.
fn quoted(label: Option<&str>, nodes: &[Value], out: &mut String, ctx: &Context) {
    let inner = Context {
        prefix: format!("{}> ", ctx.prefix),
    };
    let mut body = String::new();
    if let Some(label) = label {
        lines(&format!("**{label}:**"), &mut body, &inner);
    }
    blocks(nodes, &mut body, &inner);
    let marker = inner.prefix.trim_end();
    let mut kept: Vec<&str> = body.lines().collect();
    while kept.last().is_some_and(|l| l.trim_end() == marker) {
        kept.pop();
    }
    for line in kept {
        out.push_str(line);
        out.push('\n');
    }
    blank(out, ctx);
}

fn blocks(nodes: &[Value], out: &mut String, ctx: &Context) {
    for n in nodes {
        block(n, out, ctx);
    }
}

fn list(node: &Value, kind: &str, out: &mut String, ctx: &Context) {
    let start = attr(node, "order").and_then(Value::as_u64).unwrap_or(1);
    for (i, item) in children(node).iter().enumerate() {
        let marker = match kind {
            "orderedList" => format!("{}. ", start + u64::try_from(i).unwrap_or(0)),
            "taskList" => {
                if attr_str(item, "state") == Some("DONE") {
                    "- [x] ".to_owned()
                } else {
                    "- [ ] ".to_owned()
                }
            }
            _ => "- ".to_owned(),
        };
        let indent = " ".repeat(marker.chars().count());
        let mut first = true;
        let item_children: Vec<Value> = match item.get("content") {
            Some(Value::Array(c)) => c.clone(),
            _ => Vec::new(),
        };
        // A task or decision item holds inline content directly.
        let inline_item = item_children
            .iter()
            .all(|c| c.get("type").and_then(Value::as_str) == Some("text") || is_inline(c));
        if inline_item {
            let text = inline_all(&item_children);
            lines(&format!("{marker}{text}"), out, ctx);
            continue;
        }
        for child in &item_children {
            let child_kind = child.get("type").and_then(Value::as_str).unwrap_or("");
            if matches!(child_kind, "bulletList" | "orderedList" | "taskList") {
                let nested = Context {
                    prefix: format!("{}{indent}", ctx.prefix),
                };
                list(child, child_kind, out, &nested);
                continue;
            }
            let text = if child_kind == "paragraph" {
                inline_all(children(child))
            } else {
                let mut s = String::new();
                block(child, &mut s, &Context::default());
                s.trim_end().to_owned()
            };
            for (n, line) in text.split('\n').enumerate() {
                let lead = if first && n == 0 {
                    marker.as_str()
                } else {
                    indent.as_str()
                };
                out.push_str(&ctx.prefix);
                out.push_str(lead);
                out.push_str(line);
                out.push('\n');
            }
            first = false;
        }
    }
}

fn is_inline(node: &Value) -> bool {
    matches!(
        node.get("type").and_then(Value::as_str),
        Some("text" | "mention" | "emoji" | "hardBreak" | "inlineCard" | "status" | "date")
    )
}

/// A table as pipe rows; a header row gets the separator line under it.
fn table(node: &Value, out: &mut String, ctx: &Context) {
    for (r, row) in children(node).iter().enumerate() {
        let cells: Vec<String> = children(row)
            .iter()
            .map(|cell| {
                let mut s = String::new();
                blocks(children(cell), &mut s, &Context::default());
                s.split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
                    .replace('|', "\\|")
            })
            .collect();
        lines(&format!("| {} |", cells.join(" | ")), out, ctx);
        let header = children(row)
            .iter()
            .all(|c| c.get("type").and_then(Value::as_str) == Some("tableHeader"));
        if r == 0 && header {
            let rule = vec!["---"; cells.len()].join(" | ");
            lines(&format!("| {rule} |"), out, ctx);
        }
    }
}

fn inline_all(nodes: &[Value]) -> String {
    nodes.iter().map(inline).collect()
}

/// Text only, for code blocks.
fn plain_all(nodes: &[Value]) -> String {
    nodes
        .iter()
        .map(|n| n.get("text").and_then(Value::as_str).unwrap_or_default())
        .collect()
}

fn inline(node: &Value) -> String {
    let kind = node.get("type").and_then(Value::as_str).unwrap_or("");
    match kind {
        "text" => marked(node),
        "hardBreak" => "\n".to_owned(),
        "mention" => attr_str(node, "text")
            .map(|t| {
                if t.starts_with('@') {
                    t.to_owned()
                } else {
                    format!("@{t}")
                }
            })
            .or_else(|| attr_str(node, "id").map(|id| format!("@{id}")))
            .unwrap_or_default(),
        "emoji" => attr_str(node, "text")
            .or_else(|| attr_str(node, "shortName"))
            .unwrap_or_default()
            .to_owned(),
        "inlineCard" => attr_str(node, "url")
            .map(|u| format!("<{u}>"))
            .unwrap_or_default(),
        "status" => attr_str(node, "text")
            .map(|t| format!("[{t}]"))
            .unwrap_or_default(),
        "date" => attr_str(node, "timestamp")
            .and_then(|t| t.parse::<i64>().ok())
            .and_then(chrono::DateTime::from_timestamp_millis)
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_default(),
        // Unknown inline or block content: the text inside it.
        _ => {
            let inner = inline_all(children(node));
            if inner.is_empty() {
                node.get("text")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned()
            } else {
                inner
            }
        }
    }
}

/// Text with its marks as markdown: bold, italic, code, strike-through, links.
fn marked(node: &Value) -> String {
    let mut text = node
        .get("text")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let marks = node.get("marks").and_then(Value::as_array);
    for mark in marks.into_iter().flatten() {
        let kind = mark.get("type").and_then(Value::as_str).unwrap_or("");
        text = match kind {
            "strong" => format!("**{text}**"),
            "em" => format!("*{text}*"),
            "code" => format!("`{text}`"),
            "strike" => format!("~~{text}~~"),
            "link" => match mark
                .get("attrs")
                .and_then(|a| a.get("href"))
                .and_then(Value::as_str)
            {
                Some(href) => format!("[{text}]({href})"),
                None => text,
            },
            // Underline, colour, sub/superscript: the terminal shows the text.
            _ => text,
        };
    }
    text
}

/// Plain text as an Atlassian document: one paragraph per blank-line-separated block, line
/// breaks kept (what Jira Cloud's v3 API takes for descriptions and comments).
pub fn from_text(text: &str) -> Value {
    let paragraphs: Vec<Value> = text
        .split("\n\n")
        .filter(|p| !p.trim().is_empty())
        .map(|p| {
            let mut content = Vec::new();
            for (i, line) in p.lines().enumerate() {
                if i > 0 {
                    content.push(serde_json::json!({ "type": "hardBreak" }));
                }
                if !line.is_empty() {
                    content.push(serde_json::json!({ "type": "text", "text": line }));
                }
            }
            serde_json::json!({ "type": "paragraph", "content": content })
        })
        .collect();
    serde_json::json!({ "type": "doc", "version": 1, "content": paragraphs })
}
