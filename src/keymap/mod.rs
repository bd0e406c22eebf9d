//! Keys are data: an embedded default keymap maps chords to [`Action`]s per context; a user file
//! overrides it by context and chord. Help and status-bar hints are generated from it.

mod action;
mod chord;
mod context;
mod describe;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

pub use action::Action;
pub use chord::{Chord, Key, KeyName, format_chord, parse_chord};
pub use context::Context;
pub use describe::describe;

/// The embedded default keymap.
pub const DEFAULT: &str = include_str!("../../assets/keymap.toml");

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    pub chord: Chord,
    pub action: Action,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct KeymapError {
    pub file: PathBuf,
    pub line: Option<usize>,
    pub message: String,
}

impl fmt::Display for KeymapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "keymap error in {}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ", line {line}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// What a key press means in a context, given the keys pressed before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    Action(Action),
    /// The keys so far start a longer chord: wait for the next key.
    Pending,
    Unbound,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Keymap {
    contexts: BTreeMap<Context, Vec<Binding>>,
}

type Table = BTreeMap<String, BTreeMap<toml::Spanned<String>, toml::Spanned<String>>>;

impl Keymap {
    /// The default keymap with the user's file (if any) laid over it.
    pub fn load(user: Option<&Path>) -> Result<Self, KeymapError> {
        let mut map = Self::parse(DEFAULT, Path::new("(built-in keymap)"))?;
        if let Some(path) = user {
            let text = std::fs::read_to_string(path).map_err(|e| KeymapError {
                file: path.to_path_buf(),
                line: None,
                message: format!("cannot read it: {e}"),
            })?;
            let user_map = Self::parse(&text, path)?;
            map.overlay(user_map);
            map.check_prefixes(path, &text)?;
        }
        Ok(map)
    }

    /// Parses and validates one file on its own.
    pub fn parse(text: &str, file: &Path) -> Result<Self, KeymapError> {
        let error = |offset: Option<usize>, message: String| KeymapError {
            file: file.to_path_buf(),
            line: offset.map(|o| text[..o.min(text.len())].matches('\n').count() + 1),
            message,
        };
        let table: Table = toml::from_str(text).map_err(|e| {
            error(
                e.span().map(|s| s.start),
                e.message().lines().next().unwrap_or("").to_owned(),
            )
        })?;
        let mut map = Self::default();
        for (context_name, bindings) in table {
            let context = Context::from_name(&context_name).ok_or_else(|| {
                let at = text.find(&format!("[{context_name}]"));
                error(
                    at,
                    format!(
                        "unknown context [{context_name}]; contexts are {}",
                        Context::ALL.map(Context::name).join(", ")
                    ),
                )
            })?;
            let list = map.contexts.entry(context).or_default();
            // File order: help lists keys as written, and "bound twice" blames the later line.
            let mut bindings: Vec<_> = bindings.into_iter().collect();
            bindings.sort_by_key(|(chord, _)| chord.span().start);
            for (chord_text, action_text) in bindings {
                let chord = parse_chord(chord_text.get_ref())
                    .map_err(|m| error(Some(chord_text.span().start), m))?;
                let action: Action = action_text.get_ref().parse().map_err(|()| {
                    error(
                        Some(action_text.span().start),
                        format!(
                            "unknown action `{}` for `{}` in [{context_name}]; actions are {}",
                            action_text.get_ref(),
                            chord_text.get_ref(),
                            Action::all_names().join(", ")
                        ),
                    )
                })?;
                if let Some(existing) = list.iter().find(|b| b.chord == chord) {
                    return Err(error(
                        Some(chord_text.span().start),
                        format!(
                            "`{}` is bound twice in [{context_name}] (as `{}` and as `{}`)",
                            chord_text.get_ref(),
                            format_chord(&existing.chord),
                            action
                        ),
                    ));
                }
                list.push(Binding { chord, action });
            }
        }
        map.check_prefixes(file, text)?;
        Ok(map)
    }

    /// User bindings replace the defaults for the same chord in the same context.
    fn overlay(&mut self, user: Keymap) {
        for (context, bindings) in user.contexts {
            let list = self.contexts.entry(context).or_default();
            for binding in bindings {
                list.retain(|b| b.chord != binding.chord);
                list.push(binding);
            }
        }
    }

    /// A chord that is a prefix of another (in the same context, or a context and global) would
    /// never fire: the longer chord always waits for its next key.
    fn check_prefixes(&self, file: &Path, text: &str) -> Result<(), KeymapError> {
        let global = self
            .contexts
            .get(&Context::Global)
            .cloned()
            .unwrap_or_default();
        for (context, bindings) in &self.contexts {
            let mut visible: Vec<(&Binding, Context)> =
                bindings.iter().map(|b| (b, *context)).collect();
            if context.inherits_global() {
                visible.extend(
                    global
                        .iter()
                        .filter(|g| !bindings.iter().any(|b| b.chord == g.chord))
                        .map(|g| (g, Context::Global)),
                );
            }
            for (short, short_ctx) in &visible {
                for (long, long_ctx) in &visible {
                    if long.chord.len() > short.chord.len() && long.chord.starts_with(&short.chord)
                    {
                        let long_text = format_chord(&long.chord);
                        let line = text
                            .lines()
                            .position(|l| l.trim_start().starts_with(&format!("\"{long_text}\"")))
                            .map(|n| n + 1);
                        return Err(KeymapError {
                            file: file.to_path_buf(),
                            line,
                            message: format!(
                                "`{}` ([{}] {}) is a prefix of `{long_text}` ([{}] {}), so `{long_text}` could never be typed or `{}` would always wait; bind one of them elsewhere",
                                format_chord(&short.chord),
                                short_ctx.name(),
                                short.action,
                                long_ctx.name(),
                                long.action,
                                format_chord(&short.chord)
                            ),
                        });
                    }
                }
            }
        }
        Ok(())
    }

    /// Resolves `keys` (pending keys plus the new one) in `context`, falling back to global.
    pub fn lookup(&self, context: Context, keys: &[Key]) -> Lookup {
        let mut pending = false;
        let contexts: &[Context] = if context.inherits_global() {
            &[context, Context::Global]
        } else {
            &[context]
        };
        for &ctx in contexts {
            let Some(bindings) = self.contexts.get(&ctx) else {
                continue;
            };
            for b in bindings {
                if b.chord == keys {
                    return Lookup::Action(b.action);
                }
                if b.chord.len() > keys.len() && b.chord.starts_with(keys) {
                    pending = true;
                }
            }
            if pending {
                return Lookup::Pending;
            }
        }
        Lookup::Unbound
    }

    /// Bindings of a context in file order (without global).
    pub fn bindings(&self, context: Context) -> &[Binding] {
        self.contexts.get(&context).map_or(&[], Vec::as_slice)
    }

    /// The action `keys` are bound to in `context` alone (no global), if any.
    pub fn bound(&self, context: Context, keys: &[Key]) -> Option<Action> {
        self.bindings(context)
            .iter()
            .find(|b| b.chord == keys)
            .map(|b| b.action)
    }

    /// The chords bound to `action` in `context` (then global), for hints: "q quit".
    pub fn keys_for(&self, context: Context, action: Action) -> Vec<String> {
        let global = if context.inherits_global() {
            self.bindings(Context::Global)
        } else {
            &[]
        };
        let mut keys: Vec<String> = self
            .bindings(context)
            .iter()
            .chain(global)
            .filter(|b| b.action == action)
            .map(|b| format_chord(&b.chord))
            .collect();
        keys.dedup();
        keys
    }
}
