//! Styles. `dark` and `light` are built in; a theme file overrides any style; `NO_COLOR` strips
//! every colour and keeps modifiers, and every colour has a symbol beside it anyway (the
//! symbols are the UI's own: `ui::symbols`). Loading the file happens here, before the UI
//! starts, so the UI only draws with what it is given.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub base: Style,
    pub header: Style,
    pub selected: Style,
    pub tab_active: Style,
    pub tab_inactive: Style,
    pub status_bar: Style,
    pub todo: Style,
    pub doing: Style,
    pub done: Style,
    pub overdue: Style,
    pub blocked: Style,
    pub group_header: Style,
    pub dim: Style,
    pub error: Style,
    pub key_hint: Style,
    pub accent: Style,
    pub border: Style,
}

/// Names a theme file may set, in the order `Theme` lists them.
const NAMES: [&str; 17] = [
    "base",
    "header",
    "selected",
    "tab_active",
    "tab_inactive",
    "status_bar",
    "todo",
    "doing",
    "done",
    "overdue",
    "blocked",
    "group_header",
    "dim",
    "error",
    "key_hint",
    "accent",
    "border",
];

impl Theme {
    pub fn dark() -> Self {
        Self {
            base: Style::new(),
            header: Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
            selected: Style::new()
                .bg(Color::Rgb(40, 60, 90))
                .add_modifier(Modifier::BOLD),
            tab_active: Style::new()
                .fg(Color::Black)
                .bg(Color::Cyan)
                .add_modifier(Modifier::BOLD),
            tab_inactive: Style::new().fg(Color::Gray),
            status_bar: Style::new().fg(Color::White).bg(Color::Rgb(30, 30, 40)),
            todo: Style::new().fg(Color::Gray),
            doing: Style::new().fg(Color::Yellow),
            done: Style::new().fg(Color::Green),
            overdue: Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
            blocked: Style::new().fg(Color::Magenta),
            group_header: Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
            dim: Style::new().fg(Color::DarkGray),
            error: Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
            key_hint: Style::new().fg(Color::Cyan),
            accent: Style::new().fg(Color::Cyan),
            border: Style::new().fg(Color::DarkGray),
        }
    }

    pub fn light() -> Self {
        Self {
            base: Style::new(),
            header: Style::new().fg(Color::Blue).add_modifier(Modifier::BOLD),
            selected: Style::new()
                .bg(Color::Rgb(200, 220, 250))
                .add_modifier(Modifier::BOLD),
            tab_active: Style::new()
                .fg(Color::White)
                .bg(Color::Blue)
                .add_modifier(Modifier::BOLD),
            tab_inactive: Style::new().fg(Color::DarkGray),
            status_bar: Style::new().fg(Color::Black).bg(Color::Rgb(225, 225, 230)),
            todo: Style::new().fg(Color::DarkGray),
            doing: Style::new().fg(Color::Rgb(160, 100, 0)),
            done: Style::new().fg(Color::Rgb(0, 120, 0)),
            overdue: Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
            blocked: Style::new().fg(Color::Magenta),
            group_header: Style::new().fg(Color::Blue).add_modifier(Modifier::BOLD),
            dim: Style::new().fg(Color::Gray),
            error: Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
            key_hint: Style::new().fg(Color::Blue),
            accent: Style::new().fg(Color::Blue),
            border: Style::new().fg(Color::Gray),
        }
    }

    /// Monochrome: only bold, reverse, underline and dim carry meaning.
    pub fn no_color() -> Self {
        let plain = Style::new();
        Self {
            base: plain,
            header: plain.add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
            selected: plain.add_modifier(Modifier::REVERSED),
            tab_active: plain.add_modifier(Modifier::REVERSED | Modifier::BOLD),
            tab_inactive: plain,
            status_bar: plain.add_modifier(Modifier::REVERSED),
            todo: plain,
            doing: plain.add_modifier(Modifier::BOLD),
            done: plain.add_modifier(Modifier::DIM),
            overdue: plain.add_modifier(Modifier::BOLD),
            blocked: plain.add_modifier(Modifier::BOLD),
            group_header: plain.add_modifier(Modifier::BOLD),
            dim: plain.add_modifier(Modifier::DIM),
            error: plain.add_modifier(Modifier::BOLD),
            key_hint: plain.add_modifier(Modifier::BOLD),
            accent: plain.add_modifier(Modifier::BOLD),
            border: plain,
        }
    }

    /// Style and symbol of a status category (`todo`, `in_progress`, `done`).
    pub fn category(&self, category: &str) -> Style {
        match category {
            "done" => self.done,
            "in_progress" => self.doing,
            _ => self.todo,
        }
    }

    fn slot(&mut self, name: &str) -> Option<&mut Style> {
        Some(match name {
            "base" => &mut self.base,
            "header" => &mut self.header,
            "selected" => &mut self.selected,
            "tab_active" => &mut self.tab_active,
            "tab_inactive" => &mut self.tab_inactive,
            "status_bar" => &mut self.status_bar,
            "todo" => &mut self.todo,
            "doing" => &mut self.doing,
            "done" => &mut self.done,
            "overdue" => &mut self.overdue,
            "blocked" => &mut self.blocked,
            "group_header" => &mut self.group_header,
            "dim" => &mut self.dim,
            "error" => &mut self.error,
            "key_hint" => &mut self.key_hint,
            "accent" => &mut self.accent,
            "border" => &mut self.border,
            _ => return None,
        })
    }

    /// `dark`, `light`, or a theme file (relative paths from `config_dir`). With `no_color`
    /// (the `NO_COLOR` convention) colours are dropped whatever the theme says.
    pub fn load(spec: &str, config_dir: &Path, no_color: bool) -> Result<Self, ThemeError> {
        let theme = match spec {
            "dark" | "" => Self::dark(),
            "light" => Self::light(),
            path => Self::from_file(&config_dir.join(path))?,
        };
        Ok(if no_color {
            theme.without_colors()
        } else {
            theme
        })
    }

    fn from_file(path: &Path) -> Result<Self, ThemeError> {
        let err = |message: String| ThemeError {
            file: path.to_path_buf(),
            message,
        };
        let text =
            std::fs::read_to_string(path).map_err(|e| err(format!("cannot read it: {e}")))?;
        let file: ThemeFile = toml::from_str(&text).map_err(|e| err(e.message().to_owned()))?;
        let mut theme = match file.base.as_deref() {
            None | Some("dark") => Self::dark(),
            Some("light") => Self::light(),
            Some(other) => {
                return Err(err(format!(
                    "base `{other}` is not a theme: use dark or light"
                )));
            }
        };
        for (name, spec) in file.styles {
            let style = spec.to_style().map_err(&err)?;
            let slot = theme.slot(&name).ok_or_else(|| {
                err(format!(
                    "unknown style `{name}`; styles are {}",
                    NAMES.join(", ")
                ))
            })?;
            *slot = style;
        }
        Ok(theme)
    }

    /// Maps every colour into what a terminal of `depth` shows (nearest match).
    #[must_use]
    pub fn with_depth(mut self, depth: ColorDepth) -> Self {
        for name in NAMES {
            if let Some(slot) = self.slot(name) {
                slot.fg = slot.fg.map(|c| depth.fit(c));
                slot.bg = slot.bg.map(|c| depth.fit(c));
                slot.underline_color = slot.underline_color.map(|c| depth.fit(c));
            }
        }
        // A tinted row background lands on black or white among 16 colours, which is the
        // terminal's own background in one theme or the other: reverse video always shows.
        if depth == ColorDepth::Ansi16 && self.selected.bg.is_some() {
            self.selected.bg = None;
            self.selected = self.selected.add_modifier(Modifier::REVERSED);
        }
        self
    }

    #[must_use]
    pub fn without_colors(mut self) -> Self {
        let mono = Self::no_color();
        for name in NAMES {
            let monochrome = *mono.clone().slot(name).unwrap_or(&mut Style::new());
            if let Some(slot) = self.slot(name) {
                *slot = Style {
                    fg: None,
                    bg: None,
                    underline_color: None,
                    ..*slot
                }
                .patch(monochrome);
            }
        }
        self
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("theme error in {}: {message}", file.display())]
pub struct ThemeError {
    pub file: PathBuf,
    pub message: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    base: Option<String>,
    #[serde(default)]
    styles: std::collections::BTreeMap<String, StyleSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StyleSpec {
    fg: Option<String>,
    bg: Option<String>,
    #[serde(default)]
    modifiers: Vec<String>,
}

impl StyleSpec {
    fn to_style(&self) -> Result<Style, String> {
        let color = |c: &str| {
            Color::from_str(c)
                .map_err(|_| format!("`{c}` is not a colour (a name, #rrggbb, or 0-255)"))
        };
        let mut style = Style::new();
        if let Some(fg) = &self.fg {
            style = style.fg(color(fg)?);
        }
        if let Some(bg) = &self.bg {
            style = style.bg(color(bg)?);
        }
        for m in &self.modifiers {
            let modifier = match m.as_str() {
                "bold" => Modifier::BOLD,
                "dim" => Modifier::DIM,
                "italic" => Modifier::ITALIC,
                "underlined" => Modifier::UNDERLINED,
                "reversed" => Modifier::REVERSED,
                "crossed_out" => Modifier::CROSSED_OUT,
                other => {
                    return Err(format!(
                        "`{other}` is not a modifier (bold, dim, italic, underlined, reversed, crossed_out)"
                    ));
                }
            };
            style = style.add_modifier(modifier);
        }
        Ok(style)
    }
}

/// The colours a terminal shows: the 16 of its palette, the xterm 256, or any RGB.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorDepth {
    Ansi16,
    Ansi256,
    TrueColor,
}

impl ColorDepth {
    /// From `COLORTERM` (`truecolor`/`24bit`) and `TERM` (`…256color…`); anything else, a linux
    /// console or an old SSH client's `xterm`, gets the 16 palette colours.
    pub fn detect(colorterm: Option<&str>, term: Option<&str>) -> Self {
        let colorterm = colorterm.unwrap_or_default().to_ascii_lowercase();
        let term = term.unwrap_or_default().to_ascii_lowercase();
        if colorterm == "truecolor" || colorterm == "24bit" || term.contains("direct") {
            Self::TrueColor
        } else if term.contains("256") {
            Self::Ansi256
        } else {
            Self::Ansi16
        }
    }

    /// The nearest colour this depth shows.
    pub fn fit(self, color: Color) -> Color {
        use anstyle_lossy::palette::VGA;
        match (self, color) {
            (Self::Ansi16, Color::Rgb(r, g, b)) => {
                ansi16(anstyle_lossy::rgb_to_ansi(anstyle::RgbColor(r, g, b), VGA))
            }
            (Self::Ansi16, Color::Indexed(i)) => {
                ansi16(anstyle_lossy::xterm_to_ansi(anstyle::Ansi256Color(i), VGA))
            }
            (Self::Ansi256, Color::Rgb(r, g, b)) => {
                Color::Indexed(anstyle_lossy::rgb_to_xterm(anstyle::RgbColor(r, g, b)).0)
            }
            (_, other) => other,
        }
    }
}

fn ansi16(color: anstyle::AnsiColor) -> Color {
    use anstyle::AnsiColor as A;
    match color {
        A::Black => Color::Black,
        A::Red => Color::Red,
        A::Green => Color::Green,
        A::Yellow => Color::Yellow,
        A::Blue => Color::Blue,
        A::Magenta => Color::Magenta,
        A::Cyan => Color::Cyan,
        A::White => Color::Gray,
        A::BrightBlack => Color::DarkGray,
        A::BrightRed => Color::LightRed,
        A::BrightGreen => Color::LightGreen,
        A::BrightYellow => Color::LightYellow,
        A::BrightBlue => Color::LightBlue,
        A::BrightMagenta => Color::LightMagenta,
        A::BrightCyan => Color::LightCyan,
        A::BrightWhite => Color::White,
    }
}
