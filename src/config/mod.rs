//! Configuration: where files live, loading the TOML with errors that point at the line and key,
//! and resolving secrets from the environment or a command.

mod load;
pub mod paths;
mod schema;
pub mod secrets;
pub mod theme;

pub use load::{ConfigError, load, parse_str};
pub use paths::Paths;
pub use schema::*;
