//! Platform paths, overridable for tests, CI and teams that keep config in a repo.

use std::path::{Path, PathBuf};

pub const CONFIG_ENV: &str = "SPRINTDECK_CONFIG";
pub const DATA_DIR_ENV: &str = "SPRINTDECK_DATA_DIR";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    pub config_file: PathBuf,
    /// True when the user named the file (`--config` or `SPRINTDECK_CONFIG`): then it must exist.
    pub config_explicit: bool,
    pub data_dir: PathBuf,
}

#[derive(Debug, thiserror::Error)]
#[error(
    "cannot find a home directory for the default {what} path; set {env} or pass --config/--db"
)]
pub struct NoHome {
    what: &'static str,
    env: &'static str,
}

impl Paths {
    /// `explicit_config` comes from `--config` (clap also reads `SPRINTDECK_CONFIG` into it).
    pub fn resolve(explicit_config: Option<PathBuf>) -> Result<Self, NoHome> {
        let dirs = directories::ProjectDirs::from("dev", "sprintdeck", "sprintdeck");
        let data_dir = match std::env::var_os(DATA_DIR_ENV).filter(|v| !v.is_empty()) {
            Some(dir) => PathBuf::from(dir),
            None => dirs
                .as_ref()
                .map(|d| d.data_dir().to_path_buf())
                .ok_or(NoHome {
                    what: "data",
                    env: DATA_DIR_ENV,
                })?,
        };
        let (config_file, config_explicit) = match explicit_config {
            Some(file) => (file, true),
            None => (
                dirs.as_ref()
                    .map(|d| d.config_dir().join("config.toml"))
                    .ok_or(NoHome {
                        what: "config",
                        env: CONFIG_ENV,
                    })?,
                false,
            ),
        };
        Ok(Self {
            config_file,
            config_explicit,
            data_dir,
        })
    }

    pub fn default_database(&self) -> PathBuf {
        self.data_dir.join("sprintdeck.db")
    }

    pub fn demo_database(&self) -> PathBuf {
        self.data_dir.join("demo.db")
    }

    pub fn log_dir(&self) -> PathBuf {
        self.data_dir.join("logs")
    }

    pub fn config_dir(&self) -> &Path {
        self.config_file.parent().unwrap_or_else(|| Path::new("."))
    }
}
