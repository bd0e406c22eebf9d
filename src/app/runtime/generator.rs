//! The generator's model work for the UI: a job from the form run against the configured
//! provider (documents read, the team's template used when it has one), kept as a pending
//! proposal with its run; and an edited backlog checked again.

use super::EffectIo;
use crate::app::generator::{GenerateJob, Generation};
use crate::app::msg::{Effect, Msg};
use crate::generator::proposal::{self as generated, RunInfo};
use crate::generator::run::{self, Format, Outcome, Progress, Request};
use crate::generator::{Backlog, documents};
use crate::store::Store;

/// Runs `job`, reporting progress; the generation kept, or why it failed.
pub async fn run_job(
    store: &Store,
    io: &EffectIo,
    job: &GenerateJob,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<Generation, String> {
    let config = io.llm.as_ref().ok_or("no [llm] configured")?;
    let llm = config.llm.as_ref().ok_or("no [llm] configured")?;
    let profile = llm.profile(job.profile.as_deref())?;
    let docs = job
        .files
        .iter()
        .map(|f| documents::read(std::path::Path::new(f)))
        .collect::<Result<Vec<_>, _>>()?;
    let template = io
        .prompts
        .own_prompt("generator/backlog.md", run::TEMPLATE)?;
    let mut request = Request::new(template.text, job.idea.clone(), job.project.clone());
    request.format = match job.format.as_str() {
        "" | "classic" => Format::Classic,
        "bdd" => Format::Bdd,
        path => Format::Custom(documents::read(std::path::Path::new(path))?.text),
    };
    request.depth = job.depth;
    request.constraints.clone_from(&job.constraints);
    request.answers.clone_from(&job.answers);
    request.files = docs
        .iter()
        .map(|d| (d.name.clone(), d.text.clone()))
        .collect();
    request.revise = job
        .revise
        .as_ref()
        .map(|(_, backlog, instruction)| (backlog.clone(), instruction.clone()));
    let key = crate::llm::key(&profile).await?;
    let provider = crate::llm::provider(&profile, key)?;
    let sleeper = io.llm_sleeper();
    let outcome = run::generate(
        provider.as_ref(),
        store.pool(),
        &request,
        &io.config.generator,
        &sleeper,
        progress,
    )
    .await?;
    let Outcome::Backlog(generation) = &outcome else {
        return Ok(Generation {
            outcome,
            proposal: None,
            diff: Vec::new(),
        });
    };
    let info = RunInfo {
        author: io.prompts.author.clone(),
        model: profile.model.clone(),
        files: docs.iter().map(|d| d.fingerprint.clone()).collect(),
        prices: (profile.price_input_per_1k, profile.price_output_per_1k),
    };
    let (id, diff) = generated::keep(
        store,
        generation,
        &info,
        request.brief(),
        job.revise.as_ref().map(|(id, backlog, _)| (*id, backlog)),
        io.config.proposals.expire_days,
        io.clock.now(),
    )
    .await
    .map_err(|e| e.to_string())?;
    Ok(Generation {
        outcome,
        proposal: Some(id),
        diff: diff.unwrap_or_default(),
    })
}

/// The rules on an edited backlog, its pending proposal revised to match.
pub async fn recheck(store: &Store, io: &EffectIo, proposal: i64, backlog: &Backlog) -> Msg {
    Msg::GeneratorChecked {
        proposal,
        result: generated::recheck(
            store,
            proposal,
            backlog,
            &io.config.generator,
            &io.prompts.author,
            io.clock.now(),
        )
        .await,
    }
}

/// The generator's effects run whole: a run (its progress not reported), then its end; a
/// re-check.
pub async fn perform(store: &Store, io: &EffectIo, effect: Effect) -> Option<Msg> {
    Some(match effect {
        Effect::Generate(job) => Msg::GeneratorDone {
            run: job.run,
            result: run_job(store, io, &job, &mut |_| {}).await.map(Box::new),
        },
        Effect::RecheckGenerated { proposal, backlog } => {
            recheck(store, io, proposal, &backlog).await
        }
        _ => return None,
    })
}
