//! All integration tests in one binary (one link of the dependency tree instead of one per file).

mod cli;
mod common;
mod config;
mod demo;
mod export;
mod logging;
mod query;
mod store;
