//! Titles and descriptions from the demo's vocabulary (mixed scripts on purpose). Descriptions
//! are short paragraphs, so a world of 100k issues stays small in memory.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::demo::vocab::{
    BENEFITS, BUG_PREFIXES, EPIC_THEMES, OBJECTS, QUALIFIERS, ROLES, STORY_VERBS, TASK_VERBS,
};

fn pick<'a>(rng: &mut ChaCha8Rng, items: &[&'a str]) -> &'a str {
    items[rng.random_range(0..items.len())]
}

pub fn issue_title(rng: &mut ChaCha8Rng, bug: bool, task: bool) -> String {
    let object = pick(rng, OBJECTS);
    let qualifier = pick(rng, QUALIFIERS);
    if bug {
        format!("{} {object}{qualifier}", pick(rng, BUG_PREFIXES))
    } else if task {
        format!("{} {object}{qualifier}", pick(rng, TASK_VERBS))
    } else {
        format!("{} {object}{qualifier}", pick(rng, STORY_VERBS))
    }
}

pub fn epic_title(rng: &mut ChaCha8Rng, n: usize) -> String {
    let theme = EPIC_THEMES[n % EPIC_THEMES.len()];
    let round = n / EPIC_THEMES.len();
    if round == 0 {
        theme.to_owned()
    } else {
        format!(
            "{theme} ({}{})",
            pick(rng, &["phase ", "wave ", "part "]),
            round + 1
        )
    }
}

pub fn description(rng: &mut ChaCha8Rng) -> String {
    if rng.random_bool(0.15) {
        return String::new();
    }
    format!(
        "As a {}, I want {}, so that {}.",
        pick(rng, ROLES),
        pick(rng, OBJECTS),
        pick(rng, BENEFITS)
    )
}

pub fn epic_description(rng: &mut ChaCha8Rng) -> String {
    format!(
        "Goal: {}.\n\nOut of scope: {}.",
        pick(rng, BENEFITS),
        pick(rng, OBJECTS)
    )
}
