//! Key hints drawn in the panes, made from the keymap (so a rebound key shows as rebound):
//! `a apply · r reject`, `ctrl-s or F5 generates`.

use crate::app::State;
use crate::keymap::{Action, Context};

/// Every chord bound to `action` in `context`, as hints show them (function keys as `F5`).
pub fn keys(state: &State, context: Context, action: Action) -> Vec<String> {
    state
        .settings
        .keymap
        .keys_for(context, action)
        .into_iter()
        .map(|k| {
            let function =
                k.len() > 1 && k.starts_with('f') && k[1..].chars().all(|c| c.is_ascii_digit());
            if function { k.to_uppercase() } else { k }
        })
        .collect()
}

/// The first chord bound to `action` in `context`, if any.
pub fn key(state: &State, context: Context, action: Action) -> Option<String> {
    keys(state, context, action).into_iter().next()
}

/// "k label" with the first chord; nothing when the action has no key.
pub fn item(state: &State, context: Context, action: Action, label: &str) -> Option<String> {
    key(state, context, action).map(|k| format!("{k} {label}"))
}

/// "k1 or k2 label" (or another separator) with every chord bound.
pub fn every(
    state: &State,
    context: Context,
    action: Action,
    sep: &str,
    label: &str,
) -> Option<String> {
    let keys = keys(state, context, action);
    (!keys.is_empty()).then(|| format!("{} {label}", keys.join(sep)))
}

/// "j/k label": the first chord of each of two actions.
pub fn pair(
    state: &State,
    context: Context,
    (first, second): (Action, Action),
    label: &str,
) -> Option<String> {
    Some(format!(
        "{}/{} {label}",
        key(state, context, first)?,
        key(state, context, second)?
    ))
}

/// The items that have keys, after a space, joined by ` · `.
pub fn line(items: impl IntoIterator<Item = Option<String>>) -> String {
    let items: Vec<String> = items.into_iter().flatten().collect();
    format!(" {}", items.join(" · "))
}

/// "esc, q or ?": every chord, the last one after "or".
pub fn spoken(keys: &[String]) -> String {
    match keys {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}
