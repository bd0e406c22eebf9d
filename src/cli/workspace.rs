//! Which database a command works on, and what it is called: `--db`, then `database` in the
//! config, then the configured sources' database, and the demo when nothing is configured.

use std::path::PathBuf;

use crate::Error;
use crate::clock::Clock;
use crate::config::{Config, Paths};
use crate::demo::{self, DemoSpec};
use crate::store::{Create, Store, read};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// The demo in the data dir, regenerated when its day has passed.
    Demo,
    /// A file given with `--db` or `database`: used as it is.
    File,
    /// The synced database of the configured sources.
    Synced,
}

pub struct Workspace {
    pub kind: Kind,
    pub db_path: PathBuf,
    pub name: String,
    pub is_demo: bool,
    pub me: Option<String>,
    pub store: Store,
}

pub fn db_path(paths: &Paths, config: &Config, explicit: Option<&PathBuf>) -> (PathBuf, Kind) {
    if let Some(file) = explicit {
        return (file.clone(), Kind::File);
    }
    if let Some(file) = &config.database {
        return (file.clone(), Kind::File);
    }
    if config.has_sources() {
        (paths.default_database(), Kind::Synced)
    } else {
        (paths.demo_database(), Kind::Demo)
    }
}

pub async fn open(
    paths: &Paths,
    config: &Config,
    explicit: Option<&PathBuf>,
    clock: &Clock,
) -> Result<Workspace, Error> {
    let (db_path, kind) = db_path(paths, config, explicit);
    let store = match kind {
        Kind::Demo => {
            let spec = DemoSpec::new(demo::DEFAULT_ISSUES, demo::DEFAULT_SEED, clock.now());
            demo::ensure(&db_path, spec).await?.0
        }
        // A file the user named must exist: a typo should not create an empty database.
        Kind::File => Store::open(&db_path, Create::MustExist).await?,
        Kind::Synced => Store::open(&db_path, Create::IfMissing).await?,
    };
    let is_demo = read::meta(store.pool(), "demo").await?.is_some();
    let name = config
        .workspace
        .clone()
        .or(read::meta(store.pool(), "workspace").await?)
        .unwrap_or_else(|| "sprintdeck".to_owned());
    let me = match &config.ui.me {
        Some(me) => Some(me.clone()),
        None if is_demo => read::meta(store.pool(), "demo_me").await?,
        None => None,
    };
    Ok(Workspace {
        kind,
        db_path,
        name,
        is_demo,
        me,
        store,
    })
}
