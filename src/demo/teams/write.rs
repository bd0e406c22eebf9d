//! `sprintdeck demo --shape teams`: the world written into a database as a correct sync of it
//! would leave it (both sources, in one transaction), marked as a demo so `demo --out` may
//! replace it.

use super::records::{self, Target};
use super::{
    CLOSED_WINDOW_DAYS, GITLAB_SOURCE, GITLAB_URL, JIRA_SOURCE, JIRA_URL, World, WorldSpec,
};
use std::path::Path;

use crate::demo::Outcome;
use crate::store::{Create, Store, StoreError, import};

/// Whose `@me` the teams demo answers to.
pub const ME: &str = "zoe.angstrom";

/// Makes sure `path` holds the teams world of `spec`, regenerating it when it was made for
/// another day, seed or size.
pub async fn ensure(path: &Path, spec: &WorldSpec) -> Result<(Store, Outcome), StoreError> {
    let store = Store::open(path, Create::IfMissing).await?;
    let current = crate::store::read::meta(store.pool(), "demo").await?;
    if current.as_deref() == Some(spec.fingerprint().as_str()) {
        return Ok((store, Outcome::UpToDate));
    }
    write(&store, spec).await?;
    Ok((store, Outcome::Generated))
}

/// Replaces whatever demo `store` holds with the world of `spec`.
pub async fn write(store: &Store, spec: &WorldSpec) -> Result<(), StoreError> {
    let world = World::generate(spec);
    let target = Target {
        gitlab_url: GITLAB_URL,
        jira_url: JIRA_URL,
        now: world.anchor,
        closed_window_days: CLOSED_WINDOW_DAYS,
    };
    let gitlab = records::gitlab(&world, &target);
    let jira = records::jira(&world, &target);
    drop(world);
    let fingerprint = spec.fingerprint();
    let anchor = crate::domain::time::to_db(spec.anchor);
    store
        .writer()
        .transaction(move |conn| {
            Box::pin(async move {
                for source in [crate::demo::SOURCE_NAME, GITLAB_SOURCE, JIRA_SOURCE] {
                    import::clear_source(conn, source).await?;
                }
                import::write_batch(conn, &gitlab).await?;
                import::write_batch(conn, &jira).await?;
                import::set_meta(conn, "demo", &fingerprint).await?;
                import::set_meta(conn, "demo_me", ME).await?;
                import::set_meta(conn, "workspace", "Acme teams (demo)").await?;
                import::set_meta(conn, "data_as_of", &anchor).await?;
                import::after_bulk_write(conn).await
            })
        })
        .await
}
