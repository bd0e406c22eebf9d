use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::args::{AuthCommand, Cli, Command, DemoShape, ExportFormat};
use super::output;
use super::workspace::{self, Kind, Workspace};
use crate::Error;
use crate::clock::Clock;
use crate::config::{self, Config, Paths};
use crate::demo::{self, DemoSpec, Outcome};
use crate::domain::query;
use crate::export;
use crate::store::filter::{self, FilterContext};
use crate::store::{Create, Store, read};

/// Everything a command needs, resolved once.
pub struct Context {
    pub cli: Cli,
    pub paths: Paths,
    pub config: Config,
    pub config_found: bool,
    pub clock: Clock,
}

impl Context {
    pub fn load(cli: Cli) -> Result<Self, Error> {
        let clock = Clock::from_env()?;
        let paths = Paths::resolve(cli.config.clone())?;
        let loaded = config::load(&paths.config_file, paths.config_explicit)?;
        let config_found = loaded.is_some();
        let config = loaded.unwrap_or_default();
        Ok(Self {
            cli,
            paths,
            config,
            config_found,
            clock,
        })
    }
}

pub async fn run(ctx: Context) -> Result<(), Error> {
    for warning in config::secrets::warnings(&ctx.config) {
        tracing::warn!("{warning}");
        output::warn(&warning);
    }
    if ctx.cli.read_only
        && let Some(what) = ctx.cli.command.as_ref().and_then(Command::writes)
    {
        return Err(Error::Usage(format!(
            "--read-only: `{what}` writes to the team's data; run it without --read-only"
        )));
    }
    match &ctx.cli.command {
        None => Box::pin(overview(&ctx)).await,
        Some(Command::Demo {
            issues,
            seed,
            out,
            shape,
        }) => Box::pin(demo_command(&ctx, *issues, *seed, out.as_deref(), *shape)).await,
        Some(Command::Export {
            format,
            query,
            out,
            limit,
        }) => export_command(&ctx, *format, query, out.as_deref(), *limit).await,
        Some(Command::Doctor) => doctor(&ctx).await,
        Some(Command::Prompt(command)) => super::prompt::run(&ctx, command).await,
        Some(Command::Proposals(command)) => super::proposals::run(&ctx, command).await,
        Some(Command::Plan { sprint, json }) => super::proposals::plan(&ctx, sprint, *json).await,
        Some(Command::Analyze { json }) => super::proposals::analyze(&ctx, *json).await,
        Some(command @ Command::Generate { .. }) => {
            Box::pin(super::generate::run(&ctx, command)).await
        }
        Some(Command::Push { source, dry_run }) => {
            Box::pin(super::proposals::push(&ctx, source.as_deref(), *dry_run)).await
        }
        Some(Command::Ask {
            question,
            profile,
            show_context,
        }) => super::ask::run(&ctx, question, profile.as_deref(), *show_context).await,
        Some(Command::Serve { listen, no_poll }) => {
            super::serve::run(&ctx, *listen, !*no_poll).await
        }
        Some(Command::Sync {
            source,
            once,
            full,
            reconcile,
        }) => {
            let args = super::sync::Args {
                source: source.clone(),
                once: *once,
                full: *full,
                reconcile: *reconcile,
            };
            super::sync::run(&ctx, args).await
        }
        Some(Command::Report {
            sprint,
            from,
            to,
            project,
            format,
            max_age,
            out,
        }) => {
            let args = super::report::Args {
                sprint: sprint.clone(),
                from: from.clone(),
                to: to.clone(),
                project: project.clone(),
                format: *format,
                max_age: max_age.clone(),
                out: out.clone(),
            };
            super::report::run(&ctx, args).await
        }
        Some(Command::Completions { shell }) => super::docs::completions(*shell),
        Some(Command::Man { command, dir }) => super::docs::man(command, dir.as_deref()),
        Some(Command::Auth(command)) => {
            let (owner, logging_out) = match command {
                AuthCommand::Login { name, llm } => (owner(name.as_deref(), *llm), false),
                AuthCommand::Logout { name, llm } => (owner(name.as_deref(), *llm), true),
            };
            super::auth::run(&ctx.config, &ctx.paths.config_file, &owner, logging_out)
        }
    }
}

/// Whose token `auth` handles: a source, or with `--llm` a profile (none: `[llm]` itself).
fn owner(name: Option<&str>, llm: bool) -> super::auth::Owner {
    if llm {
        super::auth::Owner::Llm(name.map(str::to_owned))
    } else {
        super::auth::Owner::Source(name.unwrap_or_default().to_owned())
    }
}

async fn open_workspace(ctx: &Context) -> Result<Workspace, Error> {
    workspace::open(&ctx.paths, &ctx.config, ctx.cli.db.as_ref(), &ctx.clock).await
}

/// `sprintdeck` with no command: the terminal UI. Without a terminal (a pipe, cron) it says
/// what the workspace holds instead.
async fn overview(ctx: &Context) -> Result<(), Error> {
    let ws = open_workspace(ctx).await?;
    if super::tui::stdout_is_terminal() {
        return Box::pin(super::tui::run(ctx, ws)).await;
    }
    let summary = read::summary(ws.store.pool()).await?;
    output::out(&format!(
        "workspace {}{} at {}\n{} issues in {} projects, {} sprints, {} people\n\n\
         Run it in a terminal for the interactive UI; headless:\n  \
         sprintdeck export --format md --query 'sprint:current'\n  sprintdeck doctor\n",
        ws.name,
        if ws.kind == Kind::Demo { " (demo)" } else { "" },
        ws.db_path.display(),
        summary.issues,
        summary.projects,
        summary.sprints,
        summary.people,
    ))?;
    ws.store.close().await?;
    Ok(())
}

async fn demo_command(
    ctx: &Context,
    issues: usize,
    seed: u64,
    out: Option<&Path>,
    shape: DemoShape,
) -> Result<(), Error> {
    if issues == 0 {
        return Err(Error::Usage("--issues must be at least 1".into()));
    }
    let started = std::time::Instant::now();
    let target: PathBuf = out.map_or_else(|| ctx.paths.demo_database(), Path::to_path_buf);
    if target.exists() {
        refuse_non_demo(&target).await?;
    }
    let (store, outcome) = match shape {
        DemoShape::Default => {
            demo::ensure(&target, DemoSpec::new(issues, seed, ctx.clock.now())).await?
        }
        DemoShape::Teams => {
            let spec = demo::teams::WorldSpec::new(issues, seed, ctx.clock.now());
            demo::teams::ensure(&target, &spec).await?
        }
    };
    if out.is_none() && super::tui::stdout_is_terminal() {
        let ws = Workspace {
            kind: Kind::Demo,
            db_path: target,
            name: "demo".to_owned(),
            is_demo: true,
            me: Some(
                match shape {
                    DemoShape::Default => crate::demo::vocab::DEMO_ME,
                    DemoShape::Teams => demo::teams::ME,
                }
                .to_owned(),
            ),
            store,
        };
        return Box::pin(super::tui::run(ctx, ws)).await;
    }
    let summary = read::summary(store.pool()).await?;
    store.close().await?;
    let verb = match outcome {
        Outcome::Generated => "generated",
        Outcome::UpToDate => "up to date:",
    };
    output::out(&format!(
        "{verb} demo workspace {} ({} issues, {} status events, {} sprints) in {:.2}s\n",
        target.display(),
        summary.issues,
        summary.status_events,
        summary.sprints,
        started.elapsed().as_secs_f64()
    ))?;
    Ok(())
}

/// `demo --out` replaces demo data only: a synced database is somebody's work. An empty file
/// (a fresh temp file) holds nothing to lose.
async fn refuse_non_demo(path: &Path) -> Result<(), Error> {
    if std::fs::metadata(path).is_ok_and(|m| m.len() == 0) {
        return Ok(());
    }
    let store = Store::open(path, Create::MustExist).await?;
    let is_demo = read::meta(store.pool(), "demo").await?.is_some();
    let summary = read::summary(store.pool()).await?;
    store.close().await?;
    if !is_demo && summary.issues > 0 {
        return Err(Error::Usage(format!(
            "{} holds a database that is not a sprintdeck demo ({} issues); choose another --out path",
            path.display(),
            summary.issues
        )));
    }
    Ok(())
}

async fn export_command(
    ctx: &Context,
    format: ExportFormat,
    query_text: &str,
    out: Option<&Path>,
    limit: Option<i64>,
) -> Result<(), Error> {
    let parsed = query::parse(query_text).map_err(|e| Error::Query(e.caret(query_text)))?;
    let ws = open_workspace(ctx).await?;
    let fctx = FilterContext {
        now: ctx.clock.now(),
        me: ws.me.clone(),
    };
    let compiled = filter::compile(&parsed, &fctx).map_err(|e| Error::Query(e.to_string()))?;
    let rows = read::backlog(ws.store.pool(), &compiled, limit).await?;
    ws.store.close().await?;
    let text = match format {
        ExportFormat::Csv => export::csv(&rows).map_err(|e| Error::Io(std::io::Error::other(e)))?,
        ExportFormat::Json => {
            export::json(&rows, query_text, ctx.clock.now()).map_err(|e| Error::Io(e.into()))?
        }
        ExportFormat::Md => export::markdown(&rows, query_text),
    };
    match out {
        Some(path) => {
            std::fs::write(path, text).map_err(|e| {
                Error::Io(std::io::Error::new(
                    e.kind(),
                    format!("writing {}: {e}", path.display()),
                ))
            })?;
            output::note(&format!(
                "wrote {} issues to {}",
                rows.len(),
                path.display()
            ));
        }
        None => output::out(&text)?,
    }
    Ok(())
}

async fn doctor(ctx: &Context) -> Result<(), Error> {
    let mut report = String::new();
    let config_state = if ctx.config_found {
        "found and valid"
    } else {
        "not found: defaults in use (the demo workspace opens)"
    };
    let _ = writeln!(
        report,
        "config     {} ({config_state})",
        ctx.paths.config_file.display()
    );
    let _ = writeln!(report, "data dir   {}", ctx.paths.data_dir.display());
    let _ = writeln!(report, "logs       {}", ctx.paths.log_dir().display());
    let mut healthy = true;
    match open_workspace(ctx).await {
        Ok(ws) => {
            let pool = ws.store.pool();
            let version = read::schema_version(pool).await?;
            let summary = read::summary(pool).await?;
            let kind = match ws.kind {
                Kind::Demo => "demo",
                Kind::File => "file",
                Kind::Synced => "synced",
            };
            let _ = writeln!(
                report,
                "database   {} ({kind}, workspace {})",
                ws.db_path.display(),
                ws.name
            );
            let _ = writeln!(
                report,
                "schema     version {version} (this build knows {})",
                crate::store::known_schema_version()
            );
            let _ = writeln!(
                report,
                "contents   {} projects, {} issues, {} people, {} sprints, {} status events, {} links, {} pending proposals",
                summary.projects,
                summary.issues,
                summary.people,
                summary.sprints,
                summary.status_events,
                summary.links,
                summary.pending_proposals
            );
            let synced = read::last_sync(pool).await?;
            ws.store.close().await?;
            healthy &= sources(&mut report, ctx, &synced).await;
        }
        Err(e) => {
            healthy = false;
            let _ = writeln!(report, "database   problem: {e}");
        }
    }
    let llm = match &ctx.config.llm {
        Some(llm) => {
            let name = format!(
                "{:?} model {}",
                llm.provider,
                llm.model.as_deref().unwrap_or("(none set)")
            )
            .to_lowercase();
            match super::ask::check(llm).await {
                Ok(first) => format!(
                    "{name}: answers, first token after {} ms",
                    first.as_millis()
                ),
                Err(e) => {
                    healthy = false;
                    format!("{name}: problem: {e}")
                }
            }
        }
        None => "not configured (`sprintdeck ask` shows how)".to_owned(),
    };
    let _ = writeln!(report, "llm        {llm}");
    output::out(&report)?;
    if healthy {
        Ok(())
    } else {
        Err(Error::Unhealthy)
    }
}

/// What asking a source showed, indented under it; false for a problem.
fn check_lines(report: &mut String, checked: Result<Vec<String>, crate::sync::SyncError>) -> bool {
    match checked {
        Ok(lines) => {
            for line in lines {
                let _ = writeln!(report, "             {line}");
            }
            true
        }
        Err(e) => {
            let _ = writeln!(report, "             problem: {e}");
            false
        }
    }
}

/// One line per source, then what asking it showed; false when a source has a problem.
async fn sources(report: &mut String, ctx: &Context, synced: &[(String, Option<String>)]) -> bool {
    let config = &ctx.config;
    if !config.has_sources() {
        let _ = writeln!(
            report,
            "sources    none configured (add [[gitlab]] or [[jira]]; see config.example.toml)"
        );
        return true;
    }
    let mut healthy = true;
    let last = |name: &str| {
        synced
            .iter()
            .find(|(n, _)| n == name)
            .and_then(|(_, at)| at.clone())
            .map_or_else(
                || "never synced".to_owned(),
                |at| format!("last synced {at}"),
            )
    };
    let mut options = crate::sync::Options::new(&config.sync, ctx.clock);
    // A check should answer quickly; one retry tells a blip from a fault.
    options.retries = 1;
    for source in &config.gitlab {
        let _ = writeln!(
            report,
            "source     gitlab {:?} {} ({})",
            source.name,
            source.base_url,
            last(&source.name)
        );
        let checked = match crate::sync::gitlab::Gitlab::connect(source, &options, None, None).await
        {
            Ok(gitlab) => gitlab.check().await,
            Err(e) => Err(e),
        };
        healthy &= check_lines(report, checked);
    }
    for source in &config.jira {
        let _ = writeln!(
            report,
            "source     jira {:?} {} ({})",
            source.name,
            source.base_url,
            last(&source.name)
        );
        let checked = match crate::sync::jira::Jira::connect(source, &options, None, None).await {
            Ok(jira) => jira.check().await,
            Err(e) => Err(e),
        };
        healthy &= check_lines(report, checked);
    }
    healthy
}
