//! `sprintdeck report`: loads the metric inputs, builds the report, prints it.

use std::path::PathBuf;

use chrono::{DateTime, Duration, Utc};

use super::args::ReportFormat;
use super::commands::Context;
use super::output;
use crate::Error;
use crate::clock::parse_instant;
use crate::domain::metrics::WorkingDays;
use crate::report;
use crate::store::{metrics, read};

pub struct Args {
    pub sprint: String,
    pub from: Option<String>,
    pub to: Option<String>,
    pub project: Option<String>,
    pub format: ReportFormat,
    pub max_age: Option<String>,
    pub out: Option<PathBuf>,
}

fn date(flag: &str, text: Option<&str>) -> Result<Option<DateTime<Utc>>, Error> {
    text.map(|t| {
        parse_instant(t).ok_or_else(|| {
            Error::Usage(format!(
                "{flag} {t:?} is not a date: use YYYY-MM-DD or RFC 3339"
            ))
        })
    })
    .transpose()
}

/// `30m`, `2h`, `1d`, `1w`: the grammar queries use too.
fn age(text: &str) -> Result<Duration, Error> {
    crate::domain::duration::parse(text).map_err(|why| {
        Error::Usage(format!(
            "--max-age {text:?} is not a duration ({why}): use e.g. {}",
            crate::domain::duration::EXAMPLES
        ))
    })
}

pub async fn run(ctx: &Context, args: Args) -> Result<(), Error> {
    let from = date("--from", args.from.as_deref())?;
    let to = date("--to", args.to.as_deref())?;
    let max_age = args.max_age.as_deref().map(age).transpose()?;
    let ws =
        super::workspace::open(&ctx.paths, &ctx.config, ctx.cli.db.as_ref(), &ctx.clock).await?;
    let pool = ws.store.pool();
    let now = ctx.clock.now();
    if read::summary(pool).await?.issues == 0 {
        ws.store.close().await?;
        return Err(Error::Report(format!(
            "the database {} holds no issues: sync a source first (or run `sprintdeck demo`)",
            ws.db_path.display()
        )));
    }
    if let Some(limit) = max_age {
        let as_of = metrics::data_as_of(pool)
            .await?
            .as_deref()
            .and_then(parse_instant);
        let stale = as_of.is_none_or(|t| now - t > limit);
        if stale {
            ws.store.close().await?;
            let when = as_of.map_or_else(
                || "never".to_owned(),
                |t| crate::domain::time::relative(t, now),
            );
            return Err(Error::Report(format!(
                "the data is older than --max-age {} (last refreshed: {when})",
                args.max_age.unwrap_or_default()
            )));
        }
    }
    let options = report::Options {
        now,
        sprint: (!args.sprint.eq_ignore_ascii_case("current")).then_some(args.sprint),
        from,
        to,
        working_days: WorkingDays::from_names(&ctx.config.metrics.working_days),
        aging_days: ctx.config.metrics.aging_wip_days,
        capacity: ctx.config.people.capacity.clone(),
        default_capacity: ctx.config.people.default_capacity,
        workspace: ws.name.clone(),
    };
    let built = report::from_store(pool, args.project.as_deref(), options).await;
    ws.store.close().await?;
    let built = match built {
        Ok(Some(report)) => report,
        Ok(None) => {
            return Err(Error::Report(format!(
                "no issues in project {:?}",
                args.project.unwrap_or_default()
            )));
        }
        Err(report::ReportError::Input(e)) => return Err(Error::Usage(e)),
        Err(report::ReportError::Store(e)) => return Err(e.into()),
    };
    let text = match args.format {
        ReportFormat::Table => report::table(&built),
        ReportFormat::Md => report::markdown(&built),
        ReportFormat::Json => report::json(&built).map_err(|e| Error::Io(e.into()))?,
        ReportFormat::Csv => {
            report::csv(&built).map_err(|e| Error::Io(std::io::Error::other(e)))?
        }
    };
    match args.out {
        Some(path) => std::fs::write(&path, text).map_err(|e| {
            Error::Io(std::io::Error::new(
                e.kind(),
                format!("writing {}: {e}", path.display()),
            ))
        })?,
        None => output::out(&text)?,
    }
    Ok(())
}
