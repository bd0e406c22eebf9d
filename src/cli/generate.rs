//! `sprintdeck generate`: an idea (and documents) into a backlog proposal, or a refinement of
//! a pending one that replaces it.

use std::fmt::Write as _;

use super::args::Command;
use super::commands::Context;
use super::output;
use crate::Error;
use crate::domain::proposal::{Kind, ProposalState};
use crate::generator::proposal::{self as generated, RunInfo};
use crate::generator::run::{self, Depth, Format, Outcome, Progress, Request};
use crate::generator::{Backlog, documents, rules};
use crate::store::{proposals, runs};

/// The team's template when the config dir has one, else the built-in.
fn template(ctx: &Context) -> Result<String, Error> {
    let own = ctx.paths.config_dir().join("prompts/generator/backlog.md");
    if own.exists() {
        std::fs::read_to_string(&own)
            .map_err(|e| Error::Usage(format!("cannot read {}: {e}", own.display())))
    } else {
        Ok(run::TEMPLATE.to_owned())
    }
}

fn read_text(path: &std::path::Path) -> Result<String, Error> {
    documents::read(path).map(|d| d.text).map_err(Error::Usage)
}

pub async fn run(ctx: &Context, command: &Command) -> Result<(), Error> {
    let Command::Generate {
        idea,
        idea_file,
        files,
        refine,
        instruction,
        profile,
        json,
        ..
    } = command
    else {
        return Ok(());
    };
    let Some(config) = &ctx.config.llm else {
        return Err(Error::Usage(super::ask::NOT_CONFIGURED.to_owned()));
    };
    let profile = super::ask::profile(config, profile.as_deref())?;
    let ws =
        super::workspace::open(&ctx.paths, &ctx.config, ctx.cli.db.as_ref(), &ctx.clock).await?;
    let pool = ws.store.pool();
    let idea = match (idea, idea_file) {
        (Some(text), _) => Some(text.clone()),
        (None, Some(path)) => Some(read_text(path)?),
        (None, None) => None,
    };
    let mut docs = Vec::new();
    for path in files {
        docs.push(documents::read(path).map_err(Error::Usage)?);
    }
    // A refinement continues what the replaced proposal was asked.
    let (mut request, replaces) = if let Some(id) = refine {
        let (request, old) = refine_request(ctx, pool, *id, idea, instruction.as_deref()).await?;
        (request, Some(old))
    } else {
        let idea = idea.ok_or_else(|| Error::Usage("give --idea or --idea-file".to_owned()))?;
        (new_request(ctx, command, idea)?, None)
    };
    pair_answers(pool, &mut request).await?;
    request.files = docs
        .iter()
        .map(|d| (d.name.clone(), d.text.clone()))
        .collect();
    let key = crate::llm::key(&profile)
        .await
        .map_err(|e| Error::Usage(format!("[llm] {e}")))?;
    let provider = crate::llm::provider(&profile, key).map_err(Error::Usage)?;
    output::note(if replaces.is_some() {
        "asking the model to revise the backlog…"
    } else {
        "asking the model for a backlog…"
    });
    let sleeper = crate::sync::http::tokio_sleeper();
    let mut progress = say;
    let outcome = run::generate(
        provider.as_ref(),
        pool,
        &request,
        &ctx.config.generator,
        &sleeper,
        &mut progress,
    )
    .await
    .map_err(Error::Llm)?;
    let generation = match outcome {
        Outcome::Backlog(g) => g,
        Outcome::Questions { questions, usage } => {
            keep_questions(ctx, &ws.store, &request, &profile, &docs, &questions, usage).await?;
            ws.store.close().await?;
            return questions_asked(&questions);
        }
    };
    let info = RunInfo {
        author: crate::prompt::author(ctx.config.ui.me.as_deref()),
        model: profile.model.clone(),
        files: docs.iter().map(|d| d.fingerprint.clone()).collect(),
        prices: (profile.price_input_per_1k, profile.price_output_per_1k),
    };
    let old_id = replaces.as_ref().map(|p| p.id);
    let previous = replaces.as_ref().map(|p| Backlog::from_changes(&p.changes));
    let (id, _) = generated::keep(
        &ws.store,
        &generation,
        &info,
        request.brief(),
        old_id.zip(previous.as_ref()),
        ctx.config.proposals.expire_days,
        ctx.clock.now(),
    )
    .await?;
    report(
        pool,
        id,
        old_id,
        rules::applicable(&generation.violations),
        *json,
    )
    .await?;
    ws.store.close().await?;
    Ok(())
}

/// The request a refinement of pending backlog proposal `id` sends, and that proposal.
async fn refine_request(
    ctx: &Context,
    pool: &sqlx::SqlitePool,
    id: i64,
    idea: Option<String>,
    instruction: Option<&str>,
) -> Result<(Request, proposals::Proposal), Error> {
    let old = proposals::get(pool, id)
        .await?
        .filter(|p| p.kind == Kind::Backlog)
        .ok_or_else(|| Error::Usage(format!("there is no backlog proposal {id}")))?;
    if old.state != ProposalState::Pending {
        return Err(Error::Usage(format!(
            "proposal {id} is {}; only a pending one can be refined",
            old.state.as_str()
        )));
    }
    let brief = runs::brief_of(pool, id).await?;
    let request = match (brief, idea.clone()) {
        (Some(b), _) => Request::from_brief(&b, template(ctx)?),
        (None, Some(idea)) => {
            let backlog = Backlog::from_changes(&old.changes);
            Some(Request::new(template(ctx)?, idea, backlog.project))
        }
        (None, None) => None,
    }
    .ok_or_else(|| {
        Error::Usage(format!(
            "proposal {id} keeps no idea to continue from; give it again with --idea"
        ))
    })?;
    let previous = Backlog::from_changes(&old.changes);
    let mut request = request;
    request.revise = Some((previous, instruction.unwrap_or_default().to_owned()));
    Ok((request, old))
}

/// Prints the kept proposal and what to do next.
async fn report(
    pool: &sqlx::SqlitePool,
    id: i64,
    replaced: Option<i64>,
    applicable: bool,
    json: bool,
) -> Result<(), Error> {
    let p = proposals::get(pool, id)
        .await?
        .ok_or_else(|| Error::Usage(format!("proposal {id} vanished")))?;
    let text = if json {
        serde_json::to_string_pretty(&p).map_err(|e| Error::Usage(e.to_string()))? + "\n"
    } else {
        super::proposals::show(&p)
    };
    output::out(&text)?;
    if let Some(old) = replaced {
        output::note(&format!(
            "proposal {id} replaces proposal {old} (rejected as replaced)"
        ));
    }
    output::note(&format!(
        "proposal {id}: review and apply with `sprintdeck proposals apply {id}` or in the Proposals tab{}",
        if applicable {
            ""
        } else {
            " (fix the errors first)"
        }
    ));
    Ok(())
}

/// The model's questions, and how to answer them.
fn questions_asked(questions: &[String]) -> Result<(), Error> {
    let mut text = String::from("The model needs to know more before it can plan:\n");
    for (n, q) in questions.iter().enumerate() {
        let _ = writeln!(
            text,
            "  {}. {}",
            n + 1,
            crate::domain::text::sanitize(q, false)
        );
    }
    output::out(&text)?;
    Err(Error::Usage(
        "answer with --answer \"…\" once per question (in order) and run it again".to_owned(),
    ))
}

/// Progress on stderr (the text itself is not echoed: the proposal is printed at the end).
fn say(p: Progress) {
    match p {
        Progress::Attempt(n) => output::note(&format!(
            "the answer did not match the schema; asking again (attempt {n})"
        )),
        Progress::Splitting(title) => {
            output::note(&format!("asking the model to split \"{title}\""));
        }
        Progress::Waiting(s) => output::note(&format!("rate limited; asking again in {s}s")),
        Progress::Text(_) => {}
    }
}
/// A first generation's request from the command line.
fn new_request(ctx: &Context, command: &Command, idea: String) -> Result<Request, Error> {
    let Command::Generate {
        project,
        format,
        depth,
        team_size,
        sprint_days,
        deadline,
        constraints,
        answers,
        ..
    } = command
    else {
        return Err(Error::Usage("not a generate command".to_owned()));
    };
    let mut request = Request::new(template(ctx)?, idea, project.clone().unwrap_or_default());
    request.format = match format.as_str() {
        "classic" => Format::Classic,
        "bdd" => Format::Bdd,
        path => Format::Custom(read_text(std::path::Path::new(path))?),
    };
    request.depth = Depth::parse(depth).unwrap_or_default();
    request.constraints =
        run::constraints(*team_size, *sprint_days, *deadline, constraints.as_deref());
    request.answers = answers
        .iter()
        .enumerate()
        .map(|(n, a)| (format!("your question {}", n + 1), a.clone()))
        .collect();
    Ok(request)
}

/// Keeps the model's questions as a run, so the next run's `--answer` texts go with them.
async fn keep_questions(
    ctx: &Context,
    store: &crate::store::Store,
    request: &Request,
    profile: &crate::config::LlmProfile,
    docs: &[documents::Document],
    questions: &[String],
    usage: (u64, u64),
) -> Result<(), Error> {
    let mut brief = request.brief();
    brief["questions"] = serde_json::json!(questions);
    let run = runs::NewRun {
        kind: "questions",
        author: crate::prompt::author(ctx.config.ui.me.as_deref()),
        model: profile.model.clone(),
        template_hash: crate::store::prompts::sha256(request.template.as_bytes()),
        files: docs.iter().map(|d| d.fingerprint.clone()).collect(),
        input_tokens: usage.0,
        output_tokens: usage.1,
        attempts: 1,
        brief,
        ..runs::NewRun::default()
    };
    let now = ctx.clock.now();
    store
        .writer()
        .transaction(move |c| Box::pin(async move { runs::record(c, None, &run, now).await }))
        .await?;
    Ok(())
}

/// Answers go with the questions the model asked about this idea, when they were kept.
async fn pair_answers(pool: &sqlx::SqlitePool, request: &mut Request) -> Result<(), Error> {
    if request.answers.is_empty() {
        return Ok(());
    }
    if let Some(asked) = runs::last_questions(pool, &request.idea, &request.project).await? {
        for (n, (question, _)) in request.answers.iter_mut().enumerate() {
            if let Some(q) = asked.get(n) {
                question.clone_from(q);
            }
        }
    }
    Ok(())
}
