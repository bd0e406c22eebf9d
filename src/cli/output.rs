//! The only module that writes to the terminal directly. Everything here runs before or after
//! the UI, never while it is drawn. A closed pipe (`sprintdeck export | head`) is not an error.

#![allow(clippy::print_stderr)]

use std::io::{self, Write};

/// Writes `text` to standard output; a closed pipe ends quietly.
pub fn out(text: &str) -> io::Result<()> {
    let mut stdout = io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

pub fn warn(message: &str) {
    eprintln!("warning: {message}");
}

pub fn error(message: &str) {
    eprintln!("error: {message}");
}

pub fn note(message: &str) {
    eprintln!("{message}");
}
