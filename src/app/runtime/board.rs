//! Effects of the sprint board: its cards, and moving one (a manual proposal applied at once).

use super::EffectIo;
use crate::app::msg::{BoardData, Effect, Msg};
use crate::store::{Store, StoreError, read};

/// The board's effects.
pub async fn perform(store: &Store, io: &EffectIo, effect: Effect) -> Option<Msg> {
    Some(match effect {
        Effect::LoadBoard {
            generation,
            filter,
            workflow_project,
        } => board(store, generation, &filter, workflow_project.as_deref()).await,
        Effect::MoveCard(m) => move_card(store, io, m).await,
        _ => return None,
    })
}

async fn board(
    store: &Store,
    generation: u64,
    filter: &crate::store::filter::SqlFilter,
    workflow_project: Option<&str>,
) -> Msg {
    let load = async {
        // A sprint holds at most a few thousand issues; the board shows them all.
        let rows = read::backlog(store.pool(), filter, Some(5000)).await?;
        let pending = crate::store::moves::pending_pushes(store.pool()).await?;
        let sprints = read::sprint_names(store.pool()).await?;
        let categories = match workflow_project {
            Some(project) => read::status_categories(store.pool(), project).await?,
            None => Vec::new(),
        };
        Ok::<_, crate::store::StoreError>(BoardData {
            rows,
            pending,
            sprints,
            categories,
        })
    };
    let result = load.await.map_err(|e| e.to_string());
    Msg::BoardLoaded { generation, result }
}

/// A board move is a person's own change: a manual proposal, applied at once through the same
/// path as any other (checked against the status the card showed, audited, queued for push).
async fn move_card(store: &Store, io: &EffectIo, m: crate::store::moves::CardMove) -> Msg {
    use crate::domain::proposal::{Change, Kind};
    let now = io.clock.now();
    let (key, target) = (m.key.clone(), m.target_status.clone());
    let proposal = crate::store::proposals::NewProposal {
        kind: Kind::Manual,
        title: format!("Move {} to {}", m.key, m.target_status),
        explanation: "Moved on the board.".to_owned(),
        evidence: Vec::new(),
        changes: vec![Change::SetStatus {
            key: m.key.clone(),
            from: m.expected_status.clone(),
            to: m.target_status.clone(),
            to_category: m.target_category.as_str().to_owned(),
        }],
        author: io.prompts.author.clone(),
        expires_at: None,
        fingerprint: None,
        severity: None,
    };
    let result = crate::store::proposals::create_and_apply(
        store,
        proposal,
        io.config.proposals.write_back,
        now,
    )
    .await
    .map(|_| ())
    .map_err(|e| match e {
        StoreError::Conflict(detail) => format!(
            "{key} changed since the board was loaded ({detail}); nothing was moved (ctrl-r reloads)"
        ),
        other => other.to_string(),
    });
    Msg::CardMoved {
        key,
        target,
        result,
    }
}
