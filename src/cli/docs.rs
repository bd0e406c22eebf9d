//! `sprintdeck man` and `sprintdeck completions`: the manual pages and the shell completion
//! script, both made from the clap definitions, so they cannot drift from `--help`.

use std::path::Path;

use clap::CommandFactory as _;

use super::args::Cli;
use super::output;
use crate::Error;

/// The command tree as the manual shows it (no `help` subcommand), built.
fn tree() -> clap::Command {
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    cmd
}

/// The page of `sprintdeck WORDS…` (the main page for none), as roff.
pub fn page(words: &[String]) -> Result<Vec<u8>, Error> {
    let mut cmd = tree();
    for word in words {
        let Some(sub) = cmd.find_subcommand(word).cloned() else {
            let names: Vec<&str> = cmd.get_subcommands().map(clap::Command::get_name).collect();
            return Err(Error::Usage(format!(
                "no command `{}`; commands are: {}",
                words.join(" "),
                names.join(", ")
            )));
        };
        cmd = sub;
    }
    let mut buf = Vec::new();
    clap_mangen::Man::new(cmd).render(&mut buf)?;
    Ok(buf)
}

/// `sprintdeck man [COMMAND…] [--dir DIR]`.
pub fn man(words: &[String], dir: Option<&Path>) -> Result<(), Error> {
    let Some(dir) = dir else {
        return output::out(&String::from_utf8_lossy(&page(words)?)).map_err(Error::from);
    };
    std::fs::create_dir_all(dir)?;
    clap_mangen::generate_to(tree(), dir).map_err(|e| {
        Error::Io(std::io::Error::new(
            e.kind(),
            format!("{}: {e}", dir.display()),
        ))
    })?;
    output::note(&format!(
        "wrote sprintdeck.1 and a page per command to {}",
        dir.display()
    ));
    Ok(())
}

/// `sprintdeck completions SHELL`: the script that asks sprintdeck what to complete.
pub fn completions(shell: clap_complete::Shell) -> Result<(), Error> {
    let script = super::complete::registration(shell)?;
    output::out(&String::from_utf8_lossy(&script))?;
    Ok(())
}
