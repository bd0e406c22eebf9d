//! A proposal as the pane shows it, made when the queue loads (and when its changes are edited):
//! its text cleaned, the issues it names, its changes as diff lines with new issues as a tree.

use chrono::{DateTime, Utc};

use super::keys_of;
use crate::domain::proposal::{Change, Kind, ProposalState};
use crate::domain::text::SafeText;
use crate::store::proposals::Proposal;

#[derive(Debug, Clone, PartialEq)]
pub struct ShownProposal {
    pub id: i64,
    pub kind: Kind,
    pub state: ProposalState,
    pub title: SafeText,
    pub author: SafeText,
    pub created_at: Option<DateTime<Utc>>,
    pub severity: Option<SafeText>,
    pub decision_reason: Option<SafeText>,
    /// Lines kept.
    pub explanation: SafeText,
    /// Joined by `; `.
    pub evidence: Option<SafeText>,
    /// The existing issues it names, in order (tab walks them).
    pub keys: Vec<SafeText>,
    pub changes: Vec<ShownChange>,
}

/// One change: its diff line and, for a new issue, its fields underneath; how deep it sits
/// under other issues the same proposal creates.
#[derive(Debug, Clone, PartialEq)]
pub struct ShownChange {
    pub depth: usize,
    pub lines: Vec<SafeText>,
    pub look: Look,
}

/// How a change is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Look {
    Create,
    Remove,
    Other,
}

pub fn show(p: &Proposal) -> ShownProposal {
    ShownProposal {
        id: p.id,
        kind: p.kind,
        state: p.state,
        title: SafeText::line(&p.title),
        author: SafeText::line(&p.author),
        created_at: crate::clock::parse_instant(&p.created_at),
        severity: p.severity.as_deref().map(SafeText::line),
        decision_reason: p.decision_reason.as_deref().map(SafeText::line),
        explanation: SafeText::block(&p.explanation),
        evidence: (!p.evidence.is_empty()).then(|| SafeText::line(&p.evidence.join("; "))),
        keys: keys_of(p).iter().map(SafeText::from).collect(),
        changes: show_changes(&p.changes),
    }
}

pub fn show_changes(changes: &[Change]) -> Vec<ShownChange> {
    changes
        .iter()
        .map(|c| ShownChange {
            depth: depth(changes, c),
            lines: change_lines(c).iter().map(SafeText::from).collect(),
            look: match c {
                Change::Create { .. } => Look::Create,
                Change::Remove { .. } => Look::Remove,
                _ => Look::Other,
            },
        })
        .collect()
}

/// How deep a created issue sits under other issues created by the same proposal.
fn depth(changes: &[Change], c: &Change) -> usize {
    let parent_of = |key: &str| {
        changes.iter().find_map(|x| match x {
            Change::Create {
                temp_key, parent, ..
            } if temp_key == key => parent.clone(),
            _ => None,
        })
    };
    let Change::Create { temp_key, .. } = c else {
        return 0;
    };
    let mut depth = 0;
    let mut at = parent_of(temp_key);
    while let Some(p) = at {
        if !changes
            .iter()
            .any(|x| matches!(x, Change::Create { temp_key, .. } if *temp_key == p))
            || depth > 8
        {
            break;
        }
        depth += 1;
        at = parent_of(&p);
    }
    depth
}

/// A change's diff line, and for a new issue its fields underneath.
fn change_lines(c: &Change) -> Vec<String> {
    let mut out = vec![c.describe()];
    if let Change::Create {
        labels,
        acceptance_criteria,
        description,
        ..
    } = c
    {
        if !labels.is_empty() {
            out.push(format!("labels: {}", labels.join(", ")));
        }
        if !description.trim().is_empty() {
            let short: String = description.chars().take(120).collect();
            out.push(short.replace('\n', " "));
        }
        for a in acceptance_criteria {
            out.push(format!("✓ {a}"));
        }
    }
    out
}
