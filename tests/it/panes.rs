//! Pane snapshots: the real `render` into ratatui's `TestBackend` at fixed sizes.

use crossterm::event::KeyCode;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use sprintdeck::app::{Msg, State};
use sprintdeck::ui::render;

use crate::tui::Harness;

pub fn draw(state: &State) -> Buffer {
    let (w, h) = state.size;
    let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    terminal.draw(|f| render(state, f)).expect("draws");
    terminal.backend().buffer().clone()
}

pub fn text(buffer: &Buffer) -> String {
    let area = buffer.area;
    let mut out = String::new();
    for y in 0..area.height {
        let mut line = String::new();
        let mut x = 0;
        while x < area.width {
            let symbol = buffer[(x, y)].symbol();
            line.push_str(symbol);
            // A wide character covers the next cell too.
            x += u16::try_from(unicode_width::UnicodeWidthStr::width(symbol).max(1)).unwrap_or(1);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

const SIZES: [(u16, u16); 3] = [(80, 24), (120, 40), (60, 20)];

#[tokio::test]
async fn backlog_snapshots() {
    for (w, h) in SIZES {
        let harness = Harness::new((w, h)).await;
        insta::assert_snapshot!(format!("backlog_{w}x{h}"), text(&draw(&harness.state)));
    }
}

#[tokio::test]
async fn filter_bar_with_an_error_snapshot() {
    let mut harness = Harness::new((80, 24)).await;
    harness.key(KeyCode::Char('/')).await;
    harness.keys("status:doing type:saga").await;
    insta::assert_snapshot!(text(&draw(&harness.state)));
}

#[tokio::test]
async fn grouped_backlog_snapshot() {
    let mut harness = Harness::new((120, 40)).await;
    harness.key(KeyCode::Char('v')).await;
    harness.key(KeyCode::Char(' ')).await;
    insta::assert_snapshot!(text(&draw(&harness.state)));
}

#[tokio::test]
async fn detail_snapshots() {
    for (w, h) in SIZES {
        let mut harness = Harness::new((w, h)).await;
        harness.key(KeyCode::Char('/')).await;
        harness.keys("is:blocked").await;
        harness.key(KeyCode::Enter).await;
        harness.key(KeyCode::Enter).await;
        insta::assert_snapshot!(format!("detail_{w}x{h}"), text(&draw(&harness.state)));
    }
}

#[tokio::test]
async fn help_snapshots() {
    for (w, h) in SIZES {
        let mut harness = Harness::new((w, h)).await;
        harness.key(KeyCode::Char('?')).await;
        insta::assert_snapshot!(format!("help_{w}x{h}"), text(&draw(&harness.state)));
    }
}

#[tokio::test]
async fn too_small_snapshot_and_recovery() {
    let mut harness = Harness::new((80, 24)).await;
    harness.send(Msg::Resize(39, 9)).await;
    let small = text(&draw(&harness.state));
    assert!(
        small.contains("terminal too small (needs 40x10)"),
        "{small}"
    );
    insta::assert_snapshot!(small);
    harness.send(Msg::Resize(80, 24)).await;
    assert!(text(&draw(&harness.state)).contains(" Backlog "));
}

#[tokio::test]
async fn colours_of_selection_and_overdue() {
    // Styles matter here, so the snapshot is the buffer's Debug form (cells and their styles).
    let mut harness = Harness::new((100, 12)).await;
    harness.key(KeyCode::Char('/')).await;
    harness.keys("is:overdue sort:key").await;
    harness.key(KeyCode::Enter).await;
    insta::assert_debug_snapshot!(draw(&harness.state));
}

#[tokio::test]
async fn no_color_keeps_meaning_in_symbols() {
    let mut harness = Harness::new((100, 12)).await;
    harness.state.settings.theme = sprintdeck::config::theme::Theme::dark().without_colors();
    harness.key(KeyCode::Char('/')).await;
    harness.keys("is:overdue status:doing").await;
    harness.key(KeyCode::Enter).await;
    let buffer = draw(&harness.state);
    for y in 0..buffer.area.height {
        for x in 0..buffer.area.width {
            let cell = &buffer[(x, y)];
            assert_eq!(cell.fg, ratatui::style::Color::Reset, "colour at {x},{y}");
            assert_eq!(cell.bg, ratatui::style::Color::Reset, "colour at {x},{y}");
        }
    }
    let screen = text(&buffer);
    assert!(screen.contains("! "), "overdue symbol:\n{screen}");
    assert!(screen.contains("◐ "), "in-progress symbol:\n{screen}");
}

#[tokio::test]
async fn escape_sequences_in_issue_text_render_as_harmless_text() {
    let mut harness = Harness::new((120, 30)).await;
    let key = harness.selected_key().expect("a row");
    let hostile = "Pwn\u{1b}]0;x\u{7}\u{1b}[2J me\u{0}\u{8}\r\nnow \u{9b}31mred\u{1b}P1$q\u{1b}\\ \u{202e}end";
    let k = key.clone();
    let title = hostile.to_owned();
    harness
        .store
        .writer()
        .transaction(move |c| {
            Box::pin(async move {
                sqlx::query(
                    "UPDATE issues SET title = ?, description = ?, status = ? WHERE key = ?",
                )
                .bind(&title)
                .bind(format!("# Heading\n\n{title}"))
                .bind(&title)
                .bind(&k)
                .execute(&mut *c)
                .await?;
                Ok(())
            })
        })
        .await
        .expect("hostile title stored");
    harness
        .send(Msg::Key(crossterm::event::KeyEvent::new(
            KeyCode::Char('r'),
            crossterm::event::KeyModifiers::CONTROL,
        )))
        .await;
    for screen in [draw(&harness.state), {
        harness.key(KeyCode::Enter).await;
        draw(&harness.state)
    }] {
        let shown = text(&screen);
        assert!(
            shown.contains("Pwn me now red end"),
            "sanitised title visible:\n{shown}"
        );
        for cell in screen.content() {
            assert!(
                !cell
                    .symbol()
                    .chars()
                    .any(|c| c.is_control() || ('\u{202a}'..='\u{202e}').contains(&c)),
                "control character {:?} reached the screen",
                cell.symbol()
            );
        }
    }
}

#[tokio::test]
async fn dashboard_snapshots() {
    for (w, h) in [(80, 24), (120, 40)] {
        let mut harness = Harness::new((w, h)).await;
        harness.key(KeyCode::Tab).await;
        harness.key(KeyCode::Tab).await;
        insta::assert_snapshot!(format!("dashboard_{w}x{h}"), text(&draw(&harness.state)));
    }
}

#[tokio::test]
async fn full_screen_burndown_snapshot() {
    let mut harness = Harness::new((100, 30)).await;
    harness.key(KeyCode::Tab).await;
    harness.key(KeyCode::Tab).await;
    harness.key(KeyCode::Char('b')).await;
    let screen = text(&draw(&harness.state));
    assert!(
        screen.contains("burndown (points)") && !screen.contains("load this sprint"),
        "{screen}"
    );
    insta::assert_snapshot!(screen);
    harness.key(KeyCode::Esc).await;
    assert!(text(&draw(&harness.state)).contains("load this sprint"));
}

#[tokio::test]
async fn board_snapshots_with_a_wip_limit_exceeded() {
    for (w, h) in [(80, 24), (120, 40)] {
        let mut harness = Harness::new((w, h)).await;
        harness.state.settings.wip_limits.insert("doing".into(), 3);
        harness.key(KeyCode::Tab).await;
        let screen = text(&draw(&harness.state));
        assert!(
            screen.contains("! In progress"),
            "over the limit is marked:\n{screen}"
        );
        insta::assert_snapshot!(format!("board_{w}x{h}"), screen);
    }
}

#[tokio::test]
async fn dashboard_and_board_without_colour_keep_their_symbols() {
    let mut harness = Harness::new((120, 40)).await;
    harness.state.settings.theme = sprintdeck::config::theme::Theme::dark().without_colors();
    harness.state.settings.wip_limits.insert("doing".into(), 3);
    harness.key(KeyCode::Tab).await;
    let board = draw(&harness.state);
    harness.key(KeyCode::Tab).await;
    let dashboard = draw(&harness.state);
    for buffer in [&board, &dashboard] {
        assert!(
            buffer
                .content()
                .iter()
                .all(|c| c.fg == ratatui::style::Color::Reset
                    && c.bg == ratatui::style::Color::Reset)
        );
    }
    assert!(
        text(&board).contains("! In progress"),
        "the WIP limit is a symbol too"
    );
    assert!(
        text(&dashboard).contains("! over"),
        "over capacity is a symbol too"
    );
    insta::assert_snapshot!("dashboard_no_color_120x40", text(&dashboard));
}

/// A 16-colour terminal (a linux console, an old SSH client) gets only palette colours, in every
/// pane a manager looks at, at 80x24; and the selection still stands out from the rest.
#[tokio::test]
async fn sixteen_colour_terminals_get_only_palette_colours() {
    use ratatui::style::Color;
    use sprintdeck::config::theme::{ColorDepth, Theme};
    let mut harness = Harness::new((80, 24)).await;
    for theme in [Theme::dark(), Theme::light()] {
        harness.state.settings.theme = theme.with_depth(ColorDepth::Ansi16);
        let mut screens = vec![draw(&harness.state)];
        harness.key(KeyCode::Tab).await;
        screens.push(draw(&harness.state));
        harness.key(KeyCode::Tab).await;
        screens.push(draw(&harness.state));
        harness.key(KeyCode::Tab).await;
        harness.key(KeyCode::Tab).await;
        harness.key(KeyCode::Tab).await;
        for buffer in &screens {
            for cell in buffer.content() {
                for c in [cell.fg, cell.bg] {
                    assert!(
                        !matches!(c, Color::Rgb(..) | Color::Indexed(_)),
                        "{c:?} is not one of the 16"
                    );
                }
            }
            assert!(
                buffer
                    .content()
                    .iter()
                    .any(|c| c.modifier.contains(ratatui::style::Modifier::REVERSED)),
                "the selection shows in reverse video"
            );
        }
    }
}
