use std::path::Path;

use ratatui::style::{Color, Modifier};
use sprintdeck::config::theme::Theme;

const DIR: &str = "tests/fixtures/theme";

#[test]
fn a_theme_file_overrides_styles_on_its_base() {
    let theme = Theme::load("custom.toml", Path::new(DIR), false).expect("valid theme");
    assert_eq!(theme.selected.bg, Some(Color::Rgb(255, 215, 0)));
    assert!(theme.overdue.add_modifier.contains(Modifier::UNDERLINED));
    assert_eq!(
        theme.header,
        Theme::light().header,
        "unset styles come from the base"
    );
}

#[test]
fn no_color_wins_over_any_theme() {
    let theme = Theme::load("custom.toml", Path::new(DIR), true).expect("valid theme");
    assert_eq!(theme.selected.bg, None);
    assert_eq!(theme.overdue.fg, None);
    assert!(
        theme.selected.add_modifier.contains(Modifier::REVERSED),
        "selection still visible"
    );
    assert!(theme.overdue.add_modifier.contains(Modifier::BOLD));
}

#[test]
fn theme_errors_name_the_file_and_the_fix() {
    let err = Theme::load("bad-colour.toml", Path::new(DIR), false).expect_err("bad colour");
    assert_eq!(
        err.to_string(),
        "theme error in tests/fixtures/theme/bad-colour.toml: `ultraviolet` is not a colour (a name, #rrggbb, or 0-255)"
    );
    let err = Theme::load("unknown-style.toml", Path::new(DIR), false).expect_err("unknown style");
    assert!(
        err.to_string()
            .contains("unknown style `headline`; styles are base, header, selected"),
        "{err}"
    );
    let err = Theme::load("missing.toml", Path::new(DIR), false).expect_err("missing file");
    assert!(
        err.to_string()
            .starts_with("theme error in tests/fixtures/theme/missing.toml: cannot read it"),
        "{err}"
    );
}

#[test]
fn colour_depth_follows_colorterm_and_term() {
    use sprintdeck::config::theme::ColorDepth;
    assert_eq!(
        ColorDepth::detect(Some("truecolor"), Some("xterm-256color")),
        ColorDepth::TrueColor
    );
    assert_eq!(
        ColorDepth::detect(Some("24bit"), None),
        ColorDepth::TrueColor
    );
    assert_eq!(
        ColorDepth::detect(None, Some("screen-256color")),
        ColorDepth::Ansi256
    );
    assert_eq!(ColorDepth::detect(None, Some("xterm")), ColorDepth::Ansi16);
    assert_eq!(ColorDepth::detect(None, Some("linux")), ColorDepth::Ansi16);
    assert_eq!(ColorDepth::detect(None, None), ColorDepth::Ansi16);
}

#[test]
fn colours_map_to_the_nearest_the_terminal_has() {
    use ratatui::style::Color;
    use sprintdeck::config::theme::ColorDepth;
    assert_eq!(ColorDepth::Ansi16.fit(Color::Rgb(250, 10, 10)), Color::Red);
    assert_eq!(
        ColorDepth::Ansi16.fit(Color::Rgb(255, 90, 90)),
        Color::LightRed
    );
    assert_eq!(ColorDepth::Ansi16.fit(Color::Rgb(0, 0, 0)), Color::Black);
    assert_eq!(ColorDepth::Ansi16.fit(Color::Indexed(196)), Color::Red);
    assert_eq!(
        ColorDepth::Ansi256.fit(Color::Rgb(255, 0, 0)),
        Color::Indexed(196)
    );
    assert_eq!(
        ColorDepth::TrueColor.fit(Color::Rgb(1, 2, 3)),
        Color::Rgb(1, 2, 3)
    );
    assert_eq!(
        ColorDepth::Ansi16.fit(Color::Yellow),
        Color::Yellow,
        "named stay"
    );
    let dark = sprintdeck::config::theme::Theme::dark().with_depth(ColorDepth::Ansi256);
    assert!(
        ![dark.selected.bg, dark.status_bar.bg]
            .iter()
            .any(|c| matches!(c, Some(Color::Rgb(..)))),
        "{dark:?}"
    );
    for theme in [
        sprintdeck::config::theme::Theme::dark(),
        sprintdeck::config::theme::Theme::light(),
    ] {
        let t16 = theme.with_depth(ColorDepth::Ansi16);
        assert!(
            t16.selected
                .add_modifier
                .contains(ratatui::style::Modifier::REVERSED),
            "among 16 colours the selection is reverse video: {:?}",
            t16.selected
        );
    }
}
