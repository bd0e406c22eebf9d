//! `sprintdeck generate`: an idea (and documents) into a backlog proposal.

use std::fmt::Write as _;

use super::args::Command;
use super::commands::Context;
use super::output;
use crate::Error;
use crate::domain::proposal::Kind;
use crate::generator::rules::{self, Level};
use crate::generator::run::{self, Format, Request};
use crate::store::proposals::{self, NewProposal};

/// The largest document read as context.
const MAX_FILE: u64 = 1024 * 1024;

fn read(path: &std::path::Path) -> Result<String, Error> {
    let shown = path.display();
    if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("pdf"))
    {
        return Err(Error::Usage(format!(
            "{shown}: PDF is not read yet; give its text as a .txt or .md file"
        )));
    }
    let size = std::fs::metadata(path)
        .map_err(|e| Error::Usage(format!("cannot read {shown}: {e}")))?
        .len();
    if size > MAX_FILE {
        return Err(Error::Usage(format!(
            "{shown} is {size} bytes; documents up to 1 MiB are read"
        )));
    }
    let bytes = std::fs::read(path)?;
    String::from_utf8(bytes).map_err(|_| Error::Usage(format!("{shown} is not UTF-8 text")))
}

pub async fn run(ctx: &Context, command: &Command) -> Result<(), Error> {
    let Command::Generate {
        project,
        idea,
        idea_file,
        files,
        format,
        constraints,
        profile,
        json,
    } = command
    else {
        return Ok(());
    };
    let Some(config) = &ctx.config.llm else {
        return Err(Error::Usage(super::ask::NOT_CONFIGURED.to_owned()));
    };
    let idea = match (idea, idea_file) {
        (Some(text), _) => text.clone(),
        (None, Some(path)) => read(path)?,
        (None, None) => return Err(Error::Usage("give --idea or --idea-file".to_owned())),
    };
    let mut documents = Vec::new();
    let mut hashes = Vec::new();
    for path in files {
        let text = read(path)?;
        let name = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        hashes.push(format!(
            "{name} sha256:{}",
            &crate::store::prompts::sha256(text.as_bytes())[..16]
        ));
        documents.push((name, text));
    }
    let profile = super::ask::profile(config, profile.as_deref())?;
    let key = crate::llm::key(&profile)
        .await
        .map_err(|e| Error::Usage(format!("[llm] {e}")))?;
    let provider = crate::llm::provider(&profile, key).map_err(Error::Usage)?;
    let ws =
        super::workspace::open(&ctx.paths, &ctx.config, ctx.cli.db.as_ref(), &ctx.clock).await?;
    // The team's own template, when the config dir has one.
    let own = ctx.paths.config_dir().join("prompts/generator/backlog.md");
    let template = if own.exists() {
        read(&own)?
    } else {
        run::TEMPLATE.to_owned()
    };
    let request = Request {
        template,
        idea,
        files: documents,
        project: project.clone(),
        format: if format == "bdd" {
            Format::Bdd
        } else {
            Format::Classic
        },
        constraints: constraints.clone(),
    };
    output::note("asking the model for a backlog…");
    let generated = run::generate(
        provider.as_ref(),
        ws.store.pool(),
        &request,
        &ctx.config.generator,
    )
    .await
    .map_err(Error::Llm)?;
    let proposal = proposal_of(&generated, &hashes, profile.model.as_deref(), ctx);
    let now = ctx.clock.now();
    let id = ws
        .store
        .writer()
        .transaction(move |c| Box::pin(async move { proposals::create(c, &proposal, now).await }))
        .await?;
    let p = proposals::get(ws.store.pool(), id)
        .await?
        .ok_or_else(|| Error::Usage(format!("proposal {id} vanished")))?;
    let text = if *json {
        serde_json::to_string_pretty(&p).map_err(|e| Error::Usage(e.to_string()))? + "\n"
    } else {
        super::proposals::show(&p)
    };
    output::out(&text)?;
    output::note(&format!(
        "proposal {id}: review and apply with `sprintdeck proposals apply {id}` or in the Proposals tab{}",
        if rules::applicable(&generated.violations) {
            ""
        } else {
            " (fix the errors first)"
        }
    ));
    ws.store.close().await?;
    Ok(())
}

/// The generation as a pending backlog proposal: the rule results in its explanation, the run's
/// template hash, attempts, usage and documents in its evidence.
fn proposal_of(
    generated: &crate::generator::run::Generated,
    hashes: &[String],
    model: Option<&str>,
    ctx: &Context,
) -> NewProposal {
    let mut explanation = String::new();
    for v in &generated.violations {
        let _ = writeln!(
            explanation,
            "{} {} {}: {}",
            match v.level {
                Level::Error => "error",
                Level::Warning => "warning",
            },
            v.path,
            v.rule,
            v.message
        );
    }
    if explanation.is_empty() {
        explanation.push_str("Every rule passes.\n");
    }
    let model = model.unwrap_or_default();
    let mut evidence = vec![
        format!("template sha256:{}", &generated.template_hash[..16]),
        format!(
            "{} attempt(s), {} tokens in, {} out",
            generated.attempts, generated.usage.0, generated.usage.1
        ),
    ];
    evidence.extend(hashes.iter().cloned());
    let title = generated
        .backlog
        .epics
        .first()
        .map_or_else(|| "Generated backlog".to_owned(), |e| e.title.clone());
    NewProposal {
        kind: Kind::Backlog,
        title: format!("Backlog: {title}"),
        explanation,
        evidence,
        changes: generated.backlog.changes(None),
        author: format!("llm:{model}"),
        expires_at: Some(
            ctx.clock.now()
                + chrono::Duration::days(i64::from(ctx.config.proposals.expire_days.max(1))),
        ),
        fingerprint: None,
        severity: (!rules::applicable(&generated.violations)).then(|| "high".to_owned()),
    }
}
