//! An issue's life, tracker-neutral: when it was created, which sprints it stayed in (and when
//! it joined and left them), how its status moved, and when it was last touched. Everything lies
//! before the world's "now"; a reopened issue goes back to the step it was closed from (GitLab
//! keeps the status label while an issue is closed, so that is what a reopen there restores).

use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::model::{Change, Step};

/// A sprint's time box.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// Where an issue spends its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bucket {
    /// Planned into this sprint of the track (closed, active or future).
    Sprint(usize),
    /// Never in a sprint.
    Backlog,
    /// Created and closed long ago: outside the window a first sync fetches.
    Old,
}

#[derive(Debug, Clone)]
pub struct Life {
    pub created: DateTime<Utc>,
    pub history: Vec<Change>,
    /// (sprint index in the track, joined, left).
    pub stays: Vec<(usize, DateTime<Utc>, Option<DateTime<Utc>>)>,
    pub updated: DateTime<Utc>,
}

pub struct Lives<'a> {
    pub rng: &'a mut ChaCha8Rng,
    pub anchor: DateTime<Utc>,
    pub track: &'a [Window],
    /// Whether the workflow has a review step.
    pub review: bool,
}

fn minutes(rng: &mut ChaCha8Rng, lo: i64, hi: i64) -> Duration {
    Duration::minutes(rng.random_range(lo..hi.max(lo + 1)))
}

impl Lives<'_> {
    /// Picks a bucket: most issues in sprints near now, some in the backlog, a few old.
    pub fn bucket(&mut self, old: bool) -> Bucket {
        if old {
            return Bucket::Old;
        }
        let n = self.track.len();
        let roll = self.rng.random_range(0..100);
        if n == 0 || roll < 25 {
            return Bucket::Backlog;
        }
        // Weighted towards recent sprints, with a share for every one.
        let k = if roll < 70 {
            self.rng.random_range(0..n)
        } else {
            let current = self.current().unwrap_or(n - 1);
            current
                .saturating_sub(self.rng.random_range(0..2))
                .min(n - 1)
        };
        Bucket::Sprint(k)
    }

    /// The sprint that contains now, if any.
    pub fn current(&self) -> Option<usize> {
        self.track
            .iter()
            .position(|w| w.start <= self.anchor && self.anchor < w.end)
    }

    pub fn life(&mut self, bucket: Bucket, created_floor: DateTime<Utc>) -> Life {
        match bucket {
            Bucket::Old => self.old(),
            Bucket::Backlog => self.backlog(created_floor),
            Bucket::Sprint(k) => self.sprint(k, created_floor),
        }
    }

    fn old(&mut self) -> Life {
        let created = self.anchor - Duration::days(self.rng.random_range(200..320));
        let mut t = Track::new(created, self.anchor - Duration::days(130));
        let start = created + minutes(self.rng, 60, 60 * 24 * 10);
        let done = start + minutes(self.rng, 60, 60 * 24 * 20);
        self.work(&mut t, start, done);
        t.finish(self.rng, Vec::new())
    }

    fn backlog(&mut self, floor: DateTime<Utc>) -> Life {
        let span = (self.anchor - floor).num_minutes().max(120);
        let created = floor + minutes(self.rng, 0, span - 60);
        let mut t = Track::new(created, self.anchor);
        match self.rng.random_range(0..100) {
            0..55 => {}
            55..80 => {
                let start = created + minutes(self.rng, 30, 60 * 24 * 10);
                let done = start + minutes(self.rng, 60, 60 * 24 * 6);
                self.work(&mut t, start, done);
            }
            80..94 => {
                let start = created + minutes(self.rng, 30, 60 * 24 * 10);
                t.push(start, Step::Doing);
            }
            _ => {
                // Started, then put back: the history matters although the status is "to do".
                let start = created + minutes(self.rng, 30, 60 * 24 * 5);
                t.push(start, Step::Doing);
                t.push(start + minutes(self.rng, 60, 60 * 24 * 3), Step::Todo);
            }
        }
        t.finish(self.rng, Vec::new())
    }

    fn sprint(&mut self, k: usize, floor: DateTime<Utc>) -> Life {
        let w = self.track[k];
        let planned = if self.rng.random_bool(0.12) && w.start < self.anchor {
            // Scope added after the sprint started.
            let open = (self.anchor.min(w.end) - w.start).num_minutes().max(120);
            w.start + minutes(self.rng, 60, open - 60)
        } else {
            w.start - minutes(self.rng, 60, 60 * 72)
        };
        let planned = planned.min(self.anchor - Duration::minutes(30));
        let earliest = (planned - Duration::days(40))
            .max(floor)
            .min(planned - Duration::hours(2));
        let created = earliest + minutes(self.rng, 0, (planned - earliest).num_minutes().max(2));
        let mut t = Track::new(created, self.anchor);
        let mut stays = vec![(k, planned, None)];
        let begin = planned.max(w.start) + minutes(self.rng, 30, 60 * 24 * 4);
        let roll = self.rng.random_range(0..100);
        if w.start > self.anchor {
            // A future sprint: planned, not started.
        } else if roll < 5 {
            // Taken out again: back to the backlog.
            let out = planned + minutes(self.rng, 60, 60 * 24 * 3);
            if out < self.anchor {
                stays[0].2 = Some(out);
            }
        } else if roll < 22 && w.end < self.anchor && k + 1 < self.track.len() {
            // Unfinished at the end: carried over into the next sprint (the Sprint field keeps
            // the closed one), now and then twice.
            t.push(begin.min(w.end - Duration::hours(2)), Step::Doing);
            let mut from = k;
            while from + 1 < self.track.len() {
                let next = self.track[from + 1];
                let carried = self.track[from].end.min(next.start);
                if carried >= self.anchor {
                    break;
                }
                stays.push((from + 1, carried, None));
                let again = next.end < self.anchor
                    && from + 2 < self.track.len()
                    && self.rng.random_bool(0.3);
                if again {
                    from += 1;
                    continue;
                }
                let done = next.start + minutes(self.rng, 60 * 4, 60 * 24 * 9);
                if done < next.end {
                    self.work(&mut t, next.start + Duration::hours(1), done);
                }
                break;
            }
        } else {
            let done = begin + minutes(self.rng, 60 * 3, 60 * 24 * 6);
            let done = done.min(w.end - Duration::hours(1));
            if roll < 85 || done > self.anchor {
                self.work(&mut t, begin, done.max(begin + Duration::hours(2)));
            } else {
                t.push(begin, Step::Doing);
            }
        }
        t.finish(self.rng, stays)
    }

    /// To do → doing → (review) → done between `start` and `done`; sometimes review sends it
    /// back, sometimes it is reopened after closing. Stops where "now" is reached.
    fn work(&mut self, t: &mut Track, start: DateTime<Utc>, done: DateTime<Utc>) {
        let doing = t.changes.last().is_some_and(|c| c.to == Step::Doing);
        if !doing && !t.push(start, Step::Doing) {
            return;
        }
        let start = t.last_at().max(start);
        let span = (done - start).num_minutes().max(4);
        if self.review {
            let review = start + Duration::minutes(self.rng.random_range(span / 2..span - 1));
            if !t.push(review, Step::Review) {
                return;
            }
            if self.rng.random_bool(0.2) {
                let back = review + Duration::minutes(((done - review).num_minutes() / 3).max(1));
                let again = back + Duration::minutes(((done - back).num_minutes() / 2).max(1));
                if again < done && t.push(back, Step::Doing) {
                    t.push(again, Step::Review);
                }
            }
        }
        if !t.push(done, Step::Done) {
            return;
        }
        if self.rng.random_bool(0.05) {
            let before = t.before_last();
            let reopened = done + minutes(self.rng, 30, 60 * 48);
            if t.push(reopened, before) {
                t.push(reopened + minutes(self.rng, 30, 60 * 48), Step::Done);
            }
        }
    }
}

/// A history being written, never past its limit.
struct Track {
    created: DateTime<Utc>,
    limit: DateTime<Utc>,
    changes: Vec<Change>,
}

impl Track {
    fn new(created: DateTime<Utc>, limit: DateTime<Utc>) -> Self {
        Self {
            created,
            limit,
            changes: Vec::new(),
        }
    }

    fn last_at(&self) -> DateTime<Utc> {
        self.changes.last().map_or(self.created, |c| c.at)
    }

    fn push(&mut self, at: DateTime<Utc>, to: Step) -> bool {
        let at = at.with_nanosecond_zeroed();
        if at <= self.last_at() || at >= self.limit {
            return false;
        }
        if self.changes.last().map_or(Step::Todo, |c| c.to) == to {
            return false;
        }
        self.changes.push(Change { at, to });
        true
    }

    /// The step before the last change.
    fn before_last(&self) -> Step {
        let n = self.changes.len();
        if n >= 2 {
            self.changes[n - 2].to
        } else {
            Step::Todo
        }
    }

    fn finish(
        self,
        rng: &mut ChaCha8Rng,
        stays: Vec<(usize, DateTime<Utc>, Option<DateTime<Utc>>)>,
    ) -> Life {
        let last = stays
            .iter()
            .flat_map(|(_, joined, left)| [Some(*joined), *left])
            .flatten()
            .chain([self.last_at()])
            .max()
            .unwrap_or(self.created);
        // A last edit (a comment, a label) after the last change, before "now".
        let room = (self.limit - last).num_minutes().clamp(1, 60 * 24 * 3);
        let updated = (last + minutes(rng, 0, room)).min(self.limit - Duration::minutes(1));
        Life {
            created: self.created,
            history: self.changes,
            stays,
            updated: updated.max(last).with_nanosecond_zeroed(),
        }
    }
}

trait WholeSeconds {
    fn with_nanosecond_zeroed(self) -> Self;
}

impl WholeSeconds for DateTime<Utc> {
    /// Trackers answer in milliseconds at best; the store keeps seconds. Whole seconds keep
    /// every layer's comparison exact.
    fn with_nanosecond_zeroed(self) -> Self {
        chrono::Timelike::with_nanosecond(&self, 0).unwrap_or(self)
    }
}
