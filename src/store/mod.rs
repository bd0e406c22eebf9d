//! `SQLite`: one writer task owns the only write connection; reads use a small pool.
//! Queries are runtime `query_as` + `FromRow`, so building needs no database. Every SQL string of
//! the program lives here, declared in its module's registered block (see [`sql`]).

pub mod chat;
pub mod completion;
pub mod detail;
pub mod failed_pushes;
pub mod filter;
pub mod groups;
pub mod import;
pub mod issues;
pub mod links;
pub mod metrics;
pub mod moves;
pub mod outbox;
pub mod people;
pub mod planning;
pub mod prompts;
pub mod proposals;
pub mod read;
pub mod runs;
pub mod search;
pub mod snapshots;
pub mod sprints;
pub mod sql;
pub mod sync_queue;
pub mod sync_state;
pub mod webhooks;
mod writer;

use std::path::{Path, PathBuf};
use std::time::Duration;

use sqlx::ConnectOptions;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteSynchronous,
};

pub use writer::{BoxFuture, Writer};

use self::sql::statements;

statements! {
    /// The newest migration a database has (fails on a new database: no migrations table yet).
    APPLIED_SCHEMA = "SELECT max(version) FROM _sqlx_migrations";
    /// The tables of a database file before it is opened as ours (`SQLite`'s own left out).
    USER_TABLES = "SELECT name FROM sqlite_master WHERE type = 'table' \
        AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name";
}

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("no database at {0}; run `sprintdeck demo` or configure a source and sync")]
    Missing(PathBuf),
    #[error("cannot create the data directory {}: {source}", path.display())]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot open database {}: {source}", path.display())]
    Open { path: PathBuf, source: sqlx::Error },
    /// A file that is not ours: opening it would turn it into a database (or migrate another
    /// program's), so it is refused before anything is written.
    #[error("{} is not a sprintdeck database ({why}); it was left as it is", path.display())]
    NotSprintdeck { path: PathBuf, why: String },
    #[error(
        "database {} was written by a newer sprintdeck (schema {found}, this build knows {known}); upgrade sprintdeck",
        path.display()
    )]
    TooNew {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    #[error("migrating database {}: {source}", path.display())]
    Migrate {
        path: PathBuf,
        source: sqlx::migrate::MigrateError,
    },
    #[error("database error: {0}")]
    Sql(#[from] sqlx::Error),
    #[error("{0}")]
    Invalid(String),
    /// The data changed under a write that expected something else; nothing was written.
    #[error("{0}")]
    Conflict(String),
    #[error("the database writer has stopped")]
    WriterGone,
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Whether opening may create a new database file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Create {
    IfMissing,
    MustExist,
}

pub struct Store {
    pool: SqlitePool,
    writer: Writer,
    path: PathBuf,
}

impl Store {
    /// Opens (and migrates) a database file: the writer first, then the read pool.
    pub async fn open(path: &Path, create: Create) -> Result<Self> {
        if create == Create::MustExist && !path.exists() {
            return Err(StoreError::Missing(path.to_path_buf()));
        }
        if path.exists() {
            check_existing(path, create).await?;
        }
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::CreateDir {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        let open_err = |source| StoreError::Open {
            path: path.to_path_buf(),
            source,
        };
        let mut conn = options(path)
            .create_if_missing(true)
            .connect()
            .await
            .map_err(open_err)?;
        migrate(&mut conn, path).await?;
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .min_connections(1)
            .connect_with(options(path).read_only(true))
            .await
            .map_err(open_err)?;
        Ok(Self {
            pool,
            writer: Writer::spawn(conn),
            path: path.to_path_buf(),
        })
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    pub fn writer(&self) -> &Writer {
        &self.writer
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Closes the read pool and stops the writer, so the WAL is checkpointed into the file.
    pub async fn close(self) -> Result<()> {
        self.pool.close().await;
        self.writer.shutdown().await
    }
}

impl StoreError {
    /// Whether the user named the wrong thing (exit status 2), not a fault while running.
    pub fn is_input(&self) -> bool {
        matches!(self, Self::NotSprintdeck { .. })
    }
}

/// The first 16 bytes of every `SQLite` database file.
const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// Refuses an existing file that is not a sprintdeck database, before the writer's connection
/// (which switches the file to WAL) or a migration touches it: an empty file where one must
/// exist, a file that is not `SQLite`, or `SQLite` holding another program's tables.
async fn check_existing(path: &Path, create: Create) -> Result<()> {
    use std::io::Read as _;
    let refuse = |why: String| StoreError::NotSprintdeck {
        path: path.to_path_buf(),
        why,
    };
    let open_err = |source| StoreError::Open {
        path: path.to_path_buf(),
        source,
    };
    let mut head = Vec::with_capacity(SQLITE_HEADER.len());
    std::fs::File::open(path)
        .and_then(|f| f.take(SQLITE_HEADER.len() as u64).read_to_end(&mut head))
        .map_err(|e| open_err(sqlx::Error::Io(e)))?;
    if head.is_empty() {
        // A new file made for us (a temp file) may become the database; a named one may not.
        return match create {
            Create::IfMissing => Ok(()),
            Create::MustExist => Err(refuse("the file is empty".to_owned())),
        };
    }
    if head != SQLITE_HEADER {
        return Err(refuse("the file is not a SQLite database".to_owned()));
    }
    let mut conn = SqliteConnectOptions::new()
        .filename(path)
        .read_only(true)
        .connect()
        .await
        .map_err(open_err)?;
    let tables: Vec<String> = sqlx::query_scalar(USER_TABLES).fetch_all(&mut conn).await?;
    let _ = sqlx::Connection::close(conn).await;
    if tables.is_empty() || tables.iter().any(|t| t == "_sqlx_migrations") {
        return Ok(());
    }
    let shown: Vec<&str> = tables.iter().take(5).map(String::as_str).collect();
    Err(refuse(format!(
        "it holds another program's tables: {}{}",
        shown.join(", "),
        if tables.len() > shown.len() {
            ", …"
        } else {
            ""
        }
    )))
}

fn options(path: &Path) -> SqliteConnectOptions {
    SqliteConnectOptions::new()
        .filename(path)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5))
        .pragma("temp_store", "memory")
        // Large workspaces are read whole (reports, the analyst): mapping the file saves a
        // read() per page, and a bigger page cache keeps what a pass touched for the next one.
        .pragma("mmap_size", "268435456")
        .pragma("cache_size", "-32768")
}

async fn migrate(conn: &mut SqliteConnection, path: &Path) -> Result<()> {
    let known = MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0);
    // A new database has no migrations table yet: the query fails and nothing is applied.
    let applied: Option<i64> = sqlx::query_scalar(APPLIED_SCHEMA)
        .fetch_one(&mut *conn)
        .await
        .unwrap_or_default();
    if let Some(found) = applied.filter(|v| *v > known) {
        return Err(StoreError::TooNew {
            path: path.to_path_buf(),
            found,
            known,
        });
    }
    MIGRATOR
        .run(&mut *conn)
        .await
        .map_err(|source| StoreError::Migrate {
            path: path.to_path_buf(),
            source,
        })
}

/// The newest migration this build carries.
pub fn known_schema_version() -> i64 {
    MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0)
}
