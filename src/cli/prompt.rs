//! `sprintdeck prompt …`: issue-to-prompt without the UI.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Read as _;
use std::path::Path;

use super::args::PromptCommand;
use super::commands::Context;
use super::output;
use crate::Error;
use crate::prompt::{self, Library, Request, templates};
use crate::store::{prompts, read};

pub async fn run(ctx: &Context, command: &PromptCommand) -> Result<(), Error> {
    let library = Library::load(Some(&prompt::template_dir(ctx.paths.config_dir())));
    match command {
        PromptCommand::Lint => lint(&library),
        PromptCommand::List => list(&library),
        PromptCommand::Vars => vars(),
        PromptCommand::Render {
            key,
            template,
            vars,
            copy,
            out,
        } => render(ctx, &library, key, template, vars, *copy, out.as_deref()).await,
        PromptCommand::Versions { key } => {
            let ws =
                super::workspace::open(&ctx.paths, &ctx.config, ctx.cli.db.as_ref(), &ctx.clock)
                    .await?;
            let id = issue_id(&ws.store, key).await?;
            let mut text = String::new();
            for v in prompts::versions(ws.store.pool(), id).await? {
                let _ = writeln!(
                    text,
                    "{:>6}  {}  {:<12} {:>6} tokens  {} output(s)  {}",
                    v.id, v.created_at, v.template, v.tokens, v.outputs, v.author
                );
            }
            if text.is_empty() {
                text = format!("no prompt versions for {key} yet\n");
            }
            output::out(&text)?;
            Ok(())
        }
        PromptCommand::Show { version } => {
            let ws =
                super::workspace::open(&ctx.paths, &ctx.config, ctx.cli.db.as_ref(), &ctx.clock)
                    .await?;
            let v = prompts::version(ws.store.pool(), *version)
                .await?
                .ok_or_else(|| Error::Usage(format!("no prompt version {version}")))?;
            output::out(&v.text)?;
            Ok(())
        }
        PromptCommand::Output { version, file } => output_command(ctx, *version, file).await,
        PromptCommand::Stats { json } => {
            let ws =
                super::workspace::open(&ctx.paths, &ctx.config, ctx.cli.db.as_ref(), &ctx.clock)
                    .await?;
            let stats = prompts::stats(ws.store.pool(), ctx.clock.now()).await?;
            let text = if *json {
                serde_json::to_string_pretty(&stats).map_err(|e| Error::Usage(e.to_string()))?
                    + "\n"
            } else {
                stats_text(&stats)
            };
            output::out(&text)?;
            Ok(())
        }
    }
}

async fn render(
    ctx: &Context,
    library: &Library,
    key: &str,
    template: &str,
    vars: &[(String, String)],
    copy: bool,
    out: Option<&Path>,
) -> Result<(), Error> {
    let ws =
        super::workspace::open(&ctx.paths, &ctx.config, ctx.cli.db.as_ref(), &ctx.clock).await?;
    let issue_id = issue_id(&ws.store, key).await?;
    let request = Request {
        issue_id,
        template: template.to_owned(),
        vars: vars.iter().cloned().collect::<BTreeMap<_, _>>(),
        tokenizer: prompt::tokenizer(&ctx.config),
        author: prompt::author(ws.me.as_deref()),
    };
    let rendered = prompt::render_issue(&ws.store, library, request, ctx.clock.now())
        .await
        .map_err(|e| Error::Usage(e.to_string()))?;
    let v = &rendered.version;
    let mut copied = String::new();
    if copy {
        copied = copy_to_terminal(&v.text, "the prompt")?;
    } else if let Some(path) = out {
        std::fs::write(path, &v.text)?;
    } else {
        output::out(&v.text)?;
    }
    output::note(&format!(
        "{} · {} · version {}{} · {} tokens ({}) · {} characters{}",
        v.issue_key,
        v.template,
        v.id,
        if rendered.created {
            " (new)"
        } else {
            " (unchanged)"
        },
        v.tokens,
        v.tokenizer,
        rendered.chars,
        if copy {
            format!(" · {copied}")
        } else if let Some(p) = out {
            format!(" · written to {}", p.display())
        } else {
            String::new()
        }
    ));
    ws.store.close().await?;
    Ok(())
}

async fn issue_id(store: &crate::store::Store, key: &str) -> Result<i64, Error> {
    read::issue_id_by_key(store.pool(), key)
        .await?
        .ok_or_else(|| Error::Usage(format!("no issue {key} in this database")))
}

fn lint(library: &Library) -> Result<(), Error> {
    let mut text = String::new();
    for t in &library.templates {
        let _ = writeln!(text, "ok    {} ({})", t.name, t.origin);
    }
    output::out(&text)?;
    for e in &library.errors {
        output::error(&e.to_string());
    }
    if library.errors.is_empty() {
        Ok(())
    } else {
        Err(Error::Usage(format!(
            "{} template problem(s)",
            library.errors.len()
        )))
    }
}

fn list(library: &Library) -> Result<(), Error> {
    let mut text = String::new();
    for t in &library.templates {
        let _ = write!(text, "{:<14} {}", t.name, t.description);
        if !t.vars.is_empty() {
            let _ = write!(text, " (inputs: {})", t.vars.join(", "));
        }
        let _ = writeln!(text, "\n{:<14} {}", "", t.origin);
    }
    for e in &library.errors {
        let _ = writeln!(text, "broken: {e}");
    }
    output::out(&text)?;
    Ok(())
}

fn vars() -> Result<(), Error> {
    let mut text = String::from("Variables ({{ name }}):\n");
    for (name, about) in templates::VARIABLES {
        let _ = writeln!(text, "  {name:<20} {about}");
    }
    text.push_str(
        "\nFilters:\n  truncate(N)          at most N characters, … when cut ({{ description | truncate(2000) }})\n  \
         bullets              a list as `- item` lines ({{ acceptance_criteria | bullets }})\n  \
         join(\", \")           a list on one line\n\nBlocks: {% if parent %}…{% endif %}, {% for link in links %}…{% endfor %}.\n\
         Inputs of your own: front matter `vars: name, other`, filled with --var name=value.\n",
    );
    output::out(&text)?;
    Ok(())
}

async fn output_command(ctx: &Context, version: i64, file: &Path) -> Result<(), Error> {
    let (bytes, source) = if file == Path::new("-") {
        let mut buf = Vec::new();
        // One byte over the limit is enough to refuse.
        std::io::stdin()
            .take(u64::try_from(prompts::MAX_OUTPUT_BYTES).unwrap_or(u64::MAX) + 1)
            .read_to_end(&mut buf)?;
        (buf, "stdin".to_owned())
    } else {
        let size = std::fs::metadata(file)
            .map_err(|e| Error::Usage(format!("cannot read {}: {e}", file.display())))?
            .len();
        if size > u64::try_from(prompts::MAX_OUTPUT_BYTES).unwrap_or(u64::MAX) {
            return Err(Error::Usage(format!(
                "{}: {}",
                file.display(),
                prompts::OutputError::TooLarge {
                    bytes: usize::try_from(size).unwrap_or(usize::MAX)
                }
            )));
        }
        let name = file.file_name().map_or_else(
            || file.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        (std::fs::read(file)?, name)
    };
    let text = prompts::check_output(&bytes)
        .map_err(|e| Error::Usage(format!("{}: {e}", file.display())))?
        .to_owned();
    let ws =
        super::workspace::open(&ctx.paths, &ctx.config, ctx.cli.db.as_ref(), &ctx.clock).await?;
    if prompts::version(ws.store.pool(), version).await?.is_none() {
        return Err(Error::Usage(format!("no prompt version {version}")));
    }
    let now = ctx.clock.now();
    let (sha, added) = ws
        .store
        .writer()
        .transaction(move |c| {
            Box::pin(async move { prompts::attach_output(c, version, &text, &source, now).await })
        })
        .await?;
    output::note(&if added {
        format!("attached to version {version} (sha256 {sha})")
    } else {
        format!("already attached to version {version} (sha256 {sha}); kept once")
    });
    ws.store.close().await?;
    Ok(())
}

pub fn stats_text(s: &prompts::Stats) -> String {
    let mut text = format!(
        "prompts today      {}\nprompts this week  {}\nprompts in all     {}\naverage tokens     {}\noutputs attached   {}\n",
        s.today,
        s.this_week,
        s.total,
        s.average_tokens
            .map_or_else(|| "-".to_owned(), |a| format!("{a:.0}")),
        s.outputs
    );
    if !s.top_templates.is_empty() {
        text.push_str("most-used templates\n");
        for (name, n) in &s.top_templates {
            let _ = writeln!(text, "  {name:<16} {n}");
        }
    }
    if !s.top_issues.is_empty() {
        text.push_str("issues with most versions\n");
        for (key, n) in &s.top_issues {
            let _ = writeln!(text, "  {key:<16} {n}");
        }
    }
    text
}

/// OSC 52 to the controlling terminal (not stdout, which may be a pipe), or through tmux: what
/// happened to `what`, said honestly.
fn copy_to_terminal(text: &str, what: &str) -> Result<String, Error> {
    use crate::clipboard::{self, SystemTmux, Tmux};
    let mut tty = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/tty")
        .map_err(|e| Error::Usage(format!("no terminal to copy through ({e}); use --out FILE")))?;
    let tmux = clipboard::inside_tmux().then_some(SystemTmux);
    let copied = clipboard::copy_with(&mut tty, text, tmux.as_ref().map(|t| t as &dyn Tmux))?;
    Ok(copied.status(what))
}
