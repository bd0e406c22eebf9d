//! Starting the terminal UI: settings from the config and the workspace, then the runtime.

use std::io::IsTerminal;

use super::commands::Context;
use super::workspace::Workspace;
use crate::Error;
use crate::app::state::{Column, Settings, Tab};
use crate::app::{State, runtime};
use crate::config::StartPane;
use crate::config::theme::{ColorDepth, Theme};
use crate::keymap::Keymap;

pub fn stdout_is_terminal() -> bool {
    std::io::stdout().is_terminal()
}

/// Everything the UI needs that comes from files: resolved before the terminal is taken over,
/// so a bad keymap or theme is reported as a plain error.
pub fn settings(ctx: &Context, ws: &Workspace) -> Result<Settings, Error> {
    let ui = &ctx.config.ui;
    let config_dir = ctx.paths.config_dir();
    let keymap_path = ui.keymap.as_ref().map(|p| config_dir.join(p));
    let keymap = Keymap::load(keymap_path.as_deref()).map_err(|e| Error::Usage(e.to_string()))?;
    let library = crate::prompt::Library::load(Some(&crate::prompt::template_dir(config_dir)));
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let depth = match ui.colors {
        crate::config::Colors::Auto => ColorDepth::detect(
            std::env::var("COLORTERM").ok().as_deref(),
            std::env::var("TERM").ok().as_deref(),
        ),
        crate::config::Colors::Ansi16 => ColorDepth::Ansi16,
        crate::config::Colors::Ansi256 => ColorDepth::Ansi256,
        crate::config::Colors::TrueColor => ColorDepth::TrueColor,
    };
    let theme = Theme::load(&ui.theme, config_dir, no_color)
        .map_err(|e| Error::Usage(e.to_string()))?
        .with_depth(depth);
    let columns = ui
        .columns
        .iter()
        .filter_map(|c| Column::from_name(c))
        .collect();
    let sources = ctx
        .config
        .gitlab
        .iter()
        .map(|s| s.name.clone())
        .chain(ctx.config.jira.iter().map(|s| s.name.clone()))
        .collect();
    let read_only = ctx.cli.read_only || ui.read_only;
    Ok(Settings {
        workspace: ws.name.as_str().into(),
        is_demo: ws.is_demo,
        read_only,
        me: ws.me.clone(),
        columns,
        views: ui.views.clone(),
        keymap,
        theme,
        sources,
        metrics: crate::app::state::MetricsSettings {
            working_days: ctx.config.metrics.working_days.clone(),
            aging_days: ctx.config.metrics.aging_wip_days,
            capacity: ctx.config.people.capacity.clone(),
            default_capacity: ctx.config.people.default_capacity,
        },
        wip_limits: ui.wip_limits.clone(),
        workflows: ui.workflows.clone(),
        // A read-only viewer (a manager over SSH) reads what the team's sync daemon writes.
        llm_name: ctx
            .config
            .llm
            .as_ref()
            .map(|l| llm_label(&l.default_profile())),
        llm_profiles: ctx.config.llm.as_ref().map_or_else(Vec::new, |l| {
            std::iter::once((None, l.default_profile()))
                .chain(l.profiles.iter().map(|(n, p)| (Some(n.clone()), p.clone())))
                .map(|(name, p)| crate::app::state::LlmChoice {
                    label: match &name {
                        Some(n) => format!("{n}: {}", llm_label(&p)),
                        None => llm_label(&p),
                    }
                    .into(),
                    name,
                    price_per_1k: (p.price_input_per_1k, p.price_output_per_1k),
                })
                .collect()
        }),
        prompt_templates: crate::app::state::TemplateInfo::of(&library),
        prompt_template_errors: library
            .errors
            .iter()
            .map(|e| e.to_string().into())
            .collect(),
        prompt_pipe: ctx.config.prompts.pipe.clone(),
        sync_every: syncs(ctx, ws, read_only)
            .then(|| chrono::Duration::minutes(i64::from(ctx.config.sync.interval_minutes.max(1)))),
    })
}

/// Whether this UI runs the background sync: sources configured, their database open, writes
/// allowed.
fn syncs(ctx: &Context, ws: &Workspace, read_only: bool) -> bool {
    ctx.config.has_sources() && !ws.is_demo && !read_only
}

pub async fn run(ctx: &Context, ws: Workspace) -> Result<(), Error> {
    let settings = settings(ctx, &ws)?;
    let start = match ctx.config.ui.start_pane {
        StartPane::Backlog => Tab::Backlog,
        StartPane::Board => Tab::Board,
        StartPane::Dashboard => Tab::Dashboard,
        StartPane::Chat => Tab::Chat,
        StartPane::Proposals => Tab::Proposals,
    };
    let sources = settings.sources.clone();
    let me = ws.me.clone();
    let sync = settings
        .sync_every
        .is_some()
        .then(|| std::sync::Arc::new(ctx.config.clone()));
    let mut state = State::new(settings, ctx.clock.now(), (80, 24), start);
    let history_path = ctx.paths.data_dir.join("filter_history");
    state.filter.history = std::fs::read_to_string(&history_path)
        .map(|t| {
            t.lines()
                .filter(|l| !l.trim().is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    tracing::info!(db = %ws.db_path.display(), "starting the UI");
    runtime::run(
        ws.store,
        state,
        runtime::Options {
            render: crate::ui::render,
            clock: ctx.clock,
            history_path,
            sources,
            sync,
            llm: ctx
                .config
                .llm
                .is_some()
                .then(|| std::sync::Arc::new(ctx.config.clone())),
            config: std::sync::Arc::new(ctx.config.clone()),
            prompts: std::sync::Arc::new(crate::prompt::Setup::from_config(
                &ctx.config,
                ctx.paths.config_dir(),
                &ctx.paths.data_dir,
                me.as_deref(),
            )),
        },
    )
    .await
}

/// "openai gpt-4o-mini": how the pane names a model.
fn llm_label(p: &crate::config::LlmProfile) -> String {
    format!(
        "{:?} {}",
        p.provider,
        p.model.as_deref().unwrap_or("(no model)")
    )
    .to_lowercase()
}
