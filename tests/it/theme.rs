use std::path::Path;

use ratatui::style::{Color, Modifier};
use sprintdeck::ui::theme::Theme;

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
