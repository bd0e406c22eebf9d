//! Status history from resource events: state events (closed, reopened) and label events on
//! status labels, replayed in time order; every change of the resulting status is one event.
//! Ids come from GitLab's event ids, so a re-fetch inserts nothing twice.

use super::api::{LabelEvent, StateEvent};
use super::status::{OPEN, StatusMap};
use crate::domain::StatusCategory;
use crate::domain::issue::EventSource;
use crate::domain::records::StatusEventRecord;
use crate::sync::time::parse;

enum Step<'a> {
    State(&'a StateEvent),
    Label(&'a LabelEvent),
}

pub fn status_events(
    issue_key: &str,
    states: &[StateEvent],
    labels: &[LabelEvent],
    statuses: &StatusMap,
) -> Vec<StatusEventRecord> {
    let mut steps: Vec<(chrono::DateTime<chrono::Utc>, u64, Step)> = Vec::new();
    for s in states {
        if let Some(at) = parse(&s.created_at) {
            steps.push((at, s.id, Step::State(s)));
        }
    }
    for l in labels {
        if let Some(at) = parse(&l.created_at) {
            steps.push((at, l.id, Step::Label(l)));
        }
    }
    // Same instant: state before labels (a close with its label clean-up reads as one change).
    steps.sort_by_key(|(at, id, step)| (*at, matches!(step, Step::Label(_)), *id));
    let mut closed = false;
    // Status labels present, in the order they were added.
    let mut present: Vec<String> = Vec::new();
    let mut current = (OPEN.to_owned(), StatusCategory::Todo);
    let mut out = Vec::new();
    for (at, _, step) in steps {
        let remote_id = match step {
            Step::State(s) => {
                match s.state.as_str() {
                    "closed" => closed = true,
                    "reopened" | "opened" => closed = false,
                    _ => continue,
                }
                format!("state:{}", s.id)
            }
            Step::Label(l) => {
                let Some(name) = l.label.as_ref().map(|r| r.name.clone()) else {
                    continue;
                };
                if statuses.category(&name).is_none() {
                    continue;
                }
                present.retain(|p| *p != name);
                if l.action == "add" {
                    present.push(name);
                }
                format!("label:{}", l.id)
            }
        };
        let next = statuses.status(closed, &present);
        if next != current {
            out.push(StatusEventRecord {
                issue_key: issue_key.to_owned(),
                from_status: Some(current.0.clone()),
                to_status: next.0.clone(),
                from_category: Some(current.1),
                to_category: next.1,
                at,
                source: EventSource::Poll,
                remote_id: Some(remote_id),
            });
            current = next;
        }
    }
    out
}
