//! The sprint planner: fills the next sprint up to each person's capacity — carry-over from the
//! active sprint first, then the backlog in priority order — never planning a blocked issue
//! before its blocker, and says why each issue is in or out.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use sqlx::SqlitePool;

use crate::domain::proposal::{Change, Field, Kind};
use crate::store::proposals::NewProposal;
use crate::store::{Result, people, planning, sprints};

/// An open issue the planner may place.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub id: i64,
    pub key: String,
    pub title: String,
    /// 1 is most urgent; `None` sorts last.
    pub priority_rank: Option<i64>,
    pub points: Option<f64>,
    pub assignee: Option<String>,
    /// The open sprint it is in, if any.
    pub sprint: Option<String>,
    pub created_at: String,
    /// Keys of open issues that block it.
    pub blocked_by: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct PlanInput {
    /// The sprint to fill.
    pub target: String,
    /// The running sprint, whose unfinished issues carry over.
    pub active: Option<String>,
    /// Points per person for one sprint.
    pub capacity: BTreeMap<String, f64>,
    /// Where each capacity came from ("config", "velocity of the last 3 sprints").
    pub capacity_source: BTreeMap<String, String>,
    /// At most this many issues per person (work in progress).
    pub max_items: usize,
    pub candidates: Vec<Candidate>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Plan {
    pub target: String,
    pub changes: Vec<Change>,
    /// One line per planned issue: why it is in.
    pub chosen: Vec<String>,
    /// Issues that were considered and left out, with why.
    pub left_out: Vec<(String, String)>,
    /// Person, planned points, capacity.
    pub load: Vec<(String, f64, f64)>,
    /// Backlog issues not looked at because every person was full.
    pub not_considered: usize,
}

/// How many left-out issues a plan lists (the rest are counted).
const LEFT_OUT_SHOWN: usize = 15;

fn order(c: &Candidate) -> (i64, String, i64) {
    (
        c.priority_rank.unwrap_or(i64::MAX),
        c.created_at.clone(),
        c.id,
    )
}

/// The plan. Deterministic: the same input gives the same plan.
pub fn plan(input: &PlanInput) -> Plan {
    let mut out = Plan {
        target: input.target.clone(),
        ..Plan::default()
    };
    let mut used: BTreeMap<String, f64> = input.capacity.keys().map(|p| (p.clone(), 0.0)).collect();
    let mut items: HashMap<String, usize> = HashMap::new();
    let mut planned: HashSet<String> = HashSet::new();
    // Already in the target sprint: they take their share first, nothing to move.
    let mut already: Vec<&Candidate> = input
        .candidates
        .iter()
        .filter(|c| c.sprint.as_deref() == Some(input.target.as_str()))
        .collect();
    already.sort_by_key(|c| order(c));
    for c in already {
        if let Some(p) = &c.assignee {
            *used.entry(p.clone()).or_default() += c.points.unwrap_or(0.0);
            *items.entry(p.clone()).or_default() += 1;
        }
        planned.insert(c.key.clone());
    }
    let mut carry: Vec<&Candidate> = input
        .candidates
        .iter()
        .filter(|c| c.sprint.is_some() && c.sprint == input.active)
        .collect();
    carry.sort_by_key(|c| order(c));
    let mut backlog: Vec<&Candidate> = input
        .candidates
        .iter()
        .filter(|c| c.sprint.is_none())
        .collect();
    backlog.sort_by_key(|c| order(c));
    let mut deferred: Vec<(&Candidate, bool)> = Vec::new();
    let mut left_out: Vec<(String, String)> = Vec::new();
    let queue: Vec<(&Candidate, bool)> = carry
        .into_iter()
        .map(|c| (c, true))
        .chain(backlog.into_iter().map(|c| (c, false)))
        .collect();
    let total = queue.len();
    let mut seen = 0;
    for (c, carried) in queue {
        if everyone_full(input, &used, &items) {
            break;
        }
        seen += 1;
        if c.blocked_by.iter().any(|b| !planned.contains(b)) {
            deferred.push((c, carried));
            continue;
        }
        if let Err(reason) = place(input, c, carried, &mut used, &mut items, &mut out) {
            left_out.push((c.key.clone(), reason));
        } else {
            planned.insert(c.key.clone());
        }
    }
    // Issues whose blockers were planned later get their turn, in order, until nothing moves.
    loop {
        let mut progress = false;
        let mut still = Vec::new();
        for (c, carried) in std::mem::take(&mut deferred) {
            if c.blocked_by.iter().all(|b| planned.contains(b)) {
                progress = true;
                match place(input, c, carried, &mut used, &mut items, &mut out) {
                    Ok(()) => {
                        planned.insert(c.key.clone());
                    }
                    Err(reason) => left_out.push((c.key.clone(), reason)),
                }
            } else {
                still.push((c, carried));
            }
        }
        deferred = still;
        if !progress || deferred.is_empty() {
            break;
        }
    }
    for (c, _) in deferred {
        let open: Vec<&str> = c
            .blocked_by
            .iter()
            .filter(|b| !planned.contains(*b))
            .map(String::as_str)
            .collect();
        left_out.push((
            c.key.clone(),
            format!("blocked by {} (not planned)", open.join(", ")),
        ));
    }
    out.not_considered = total - seen;
    out.left_out = left_out;
    out.load = input
        .capacity
        .iter()
        .map(|(p, cap)| (p.clone(), used.get(p).copied().unwrap_or(0.0), *cap))
        .collect();
    out
}

fn everyone_full(
    input: &PlanInput,
    used: &BTreeMap<String, f64>,
    items: &HashMap<String, usize>,
) -> bool {
    input.capacity.iter().all(|(p, cap)| {
        used.get(p).copied().unwrap_or(0.0) >= *cap
            || items.get(p).copied().unwrap_or(0) >= input.max_items
    })
}

fn place(
    input: &PlanInput,
    c: &Candidate,
    carried: bool,
    used: &mut BTreeMap<String, f64>,
    items: &mut HashMap<String, usize>,
    out: &mut Plan,
) -> std::result::Result<(), String> {
    let Some(points) = c.points else {
        return Err("not estimated".to_owned());
    };
    let room = |p: &str, used: &BTreeMap<String, f64>| {
        input.capacity.get(p).copied().unwrap_or(0.0) - used.get(p).copied().unwrap_or(0.0)
    };
    let person = match &c.assignee {
        Some(p) if !input.capacity.contains_key(p) => {
            return Err(format!("{p} has no capacity (set [people] capacity)"));
        }
        Some(p) => p.clone(),
        // The person with the most room that the issue fits, by name on a tie.
        None => input
            .capacity
            .keys()
            .filter(|p| items.get(*p).copied().unwrap_or(0) < input.max_items)
            .filter(|p| room(p, used) >= points)
            .max_by(|a, b| {
                room(a, used)
                    .total_cmp(&room(b, used))
                    .then_with(|| b.cmp(a))
            })
            .cloned()
            .ok_or_else(|| format!("{points} points fit nobody's remaining capacity"))?,
    };
    if items.get(&person).copied().unwrap_or(0) >= input.max_items {
        return Err(format!(
            "{person} already has {} issues (the WIP limit)",
            input.max_items
        ));
    }
    let left = room(&person, used);
    if left < points {
        return Err(format!(
            "{points} points do not fit: {person} has {left} of {} left",
            input.capacity.get(&person).copied().unwrap_or(0.0)
        ));
    }
    *used.entry(person.clone()).or_default() += points;
    *items.entry(person.clone()).or_default() += 1;
    out.changes.push(Change::MoveToSprint {
        key: c.key.clone(),
        from: c.sprint.clone(),
        to: input.target.clone(),
    });
    if c.assignee.is_none() {
        out.changes.push(Change::SetField {
            key: c.key.clone(),
            field: Field::Assignee,
            from: None,
            to: Some(person.clone()),
        });
    }
    let why = if carried {
        "carried over from the active sprint".to_owned()
    } else {
        match c.priority_rank {
            Some(r) => format!("next in priority (rank {r})"),
            None => "next in the backlog (no priority)".to_owned(),
        }
    };
    let who = if c.assignee.is_some() {
        person.clone()
    } else {
        format!("{person} (most room)")
    };
    out.chosen.push(format!(
        "{} {points} pts → {who}, {}/{} planned: {why}",
        c.key,
        used.get(&person).copied().unwrap_or(0.0),
        input.capacity.get(&person).copied().unwrap_or(0.0)
    ));
    Ok(())
}

impl Plan {
    /// The plan as a `sprint_plan` proposal.
    pub fn proposal(&self, expires_at: Option<DateTime<Utc>>) -> NewProposal {
        let mut text = String::new();
        text.push_str("Planned:\n");
        for line in &self.chosen {
            let _ = writeln!(text, "  {line}");
        }
        text.push_str("Load:\n");
        for (p, used, cap) in &self.load {
            let _ = writeln!(text, "  {p}: {used} of {cap} points");
        }
        if !self.left_out.is_empty() {
            text.push_str("Left out:\n");
            for (key, why) in self.left_out.iter().take(LEFT_OUT_SHOWN) {
                let _ = writeln!(text, "  {key}: {why}");
            }
            if self.left_out.len() > LEFT_OUT_SHOWN {
                let _ = writeln!(
                    text,
                    "  … and {} more",
                    self.left_out.len() - LEFT_OUT_SHOWN
                );
            }
        }
        if self.not_considered > 0 {
            let _ = writeln!(
                text,
                "{} more backlog issues were not considered: everyone is full.",
                self.not_considered
            );
        }
        let moves = self
            .changes
            .iter()
            .filter(|c| matches!(c, Change::MoveToSprint { .. }))
            .count();
        NewProposal {
            kind: Kind::SprintPlan,
            title: format!("Plan {}: {moves} issues", self.target),
            explanation: text,
            evidence: self
                .load
                .iter()
                .map(|(p, used, cap)| format!("{p} {used}/{cap}"))
                .collect(),
            changes: self.changes.clone(),
            author: "planner".to_owned(),
            expires_at,
            fingerprint: None,
            severity: None,
        }
    }
}

/// How much of the backlog (in priority order) the planner reads.
const BACKLOG_HEAD: i64 = 2000;

/// Reads what the planner needs for `sprint` (`next`: the earliest future sprint).
pub async fn load(
    pool: &SqlitePool,
    config: &crate::config::Config,
    sprint: &str,
) -> Result<Option<PlanInput>> {
    let target = if sprint == "next" {
        sprints::next(pool).await?
    } else {
        sprints::named(pool, sprint).await?
    };
    let Some(target) = target else {
        return Ok(None);
    };
    let active = sprints::active(pool).await?.map(|(_, name, _)| name);
    let (capacity, capacity_source) = capacities(pool, config).await?;
    let rows = planning::candidates(pool, BACKLOG_HEAD).await?;
    let mut blockers = planning::open_blockers(pool).await?;
    let candidates = rows
        .into_iter()
        .map(|r| Candidate {
            blocked_by: blockers.remove(&r.id).unwrap_or_default(),
            assignee: r.assignee,
            sprint: r.sprint,
            id: r.id,
            key: r.key,
            title: r.title,
            priority_rank: r.priority_rank,
            points: r.story_points,
            created_at: r.created_at,
        })
        .collect();
    Ok(Some(PlanInput {
        target,
        active,
        capacity,
        capacity_source,
        max_items: 8,
        candidates,
    }))
}

/// Capacity per person: `[people] capacity`, else the person's stored capacity, else their
/// average completed points over the last three closed sprints, else `default_capacity`.
pub(crate) async fn capacities(
    pool: &SqlitePool,
    config: &crate::config::Config,
) -> Result<(BTreeMap<String, f64>, BTreeMap<String, String>)> {
    let stored = people::capacities(pool).await?;
    let velocity: HashMap<String, f64> = people::recent_velocity(pool).await?.into_iter().collect();
    let mut capacity = BTreeMap::new();
    let mut source = BTreeMap::new();
    for (person, stored) in stored {
        let (cap, from) = if let Some(c) = config.people.capacity.get(&person) {
            (*c, "config")
        } else if let Some(c) = stored {
            (c, "the tracker")
        } else if let Some(v) = velocity.get(&person) {
            ((v * 2.0).round() / 2.0, "velocity of the last 3 sprints")
        } else if let Some(d) = config.people.default_capacity {
            (d, "default_capacity")
        } else {
            continue;
        };
        if cap > 0.0 {
            capacity.insert(person.clone(), cap);
            source.insert(person, from.to_owned());
        }
    }
    Ok((capacity, source))
}
