//! The deterministic advisers: the sprint planner and the risk analyst. Both read the store,
//! decide with plain rules (no model), and hand their output over as proposals that a person
//! applies or rejects.

pub mod analyst;
pub mod planner;

use chrono::{DateTime, Duration, Utc};

use crate::config::Config;
use crate::store::{Result, Store, proposals};

fn expiry(config: &Config, now: DateTime<Utc>) -> DateTime<Utc> {
    now + Duration::days(i64::from(config.proposals.expire_days.max(1)))
}

/// Plans `sprint` (`next`: the earliest future sprint) and keeps the plan as a pending
/// proposal; an older pending plan for the same sprint is superseded. `None`: no such sprint.
pub async fn run_planner(
    store: &Store,
    config: &Config,
    sprint: &str,
    now: DateTime<Utc>,
) -> Result<Option<(i64, planner::Plan)>> {
    let Some(input) = planner::load(store.pool(), config, sprint).await? else {
        return Ok(None);
    };
    let plan = planner::plan(&input);
    let proposal = plan.proposal(Some(expiry(config, now)));
    let prefix = format!("Plan {}:%", plan.target);
    let id = store
        .writer()
        .transaction(move |c| {
            Box::pin(async move {
                proposals::expire(c, now).await?;
                let id = proposals::create(c, &proposal, now).await?;
                proposals::supersede_plans(c, &prefix, id, now).await?;
                Ok(id)
            })
        })
        .await?;
    Ok(Some((id, plan)))
}

/// Runs every rule and keeps each finding not raised before as a pending insight; returns the
/// new ones.
pub async fn run_analyst(
    store: &Store,
    config: &Config,
    now: DateTime<Utc>,
) -> Result<Vec<(i64, analyst::Finding)>> {
    let input = analyst::load(store.pool(), config, now).await?;
    let findings = analyst::analyze(&input, &analyst::Rules::default());
    let expires = expiry(config, now);
    store
        .writer()
        .transaction(move |c| {
            Box::pin(async move {
                proposals::expire(c, now).await?;
                let mut raised = Vec::new();
                for f in findings {
                    if proposals::raised(c, &f.fingerprint()).await? {
                        continue;
                    }
                    let id = proposals::create(c, &f.proposal(Some(expires)), now).await?;
                    raised.push((id, f));
                }
                Ok(raised)
            })
        })
        .await
}
