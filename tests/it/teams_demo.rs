//! `sprintdeck demo --shape teams --out team.db`, then the file opened like any database: the
//! command line, `doctor`, and the TUI in a pseudo-terminal (hostile titles must not reach the
//! terminal as escape sequences).

use std::time::Duration;

use sprintdeck::demo::teams::records::{self, Target};
use sprintdeck::demo::teams::{
    CLOSED_WINDOW_DAYS, DEFAULT_ISSUES, GITLAB_URL, JIRA_URL, World, WorldSpec,
};

use crate::common::{NOW, now};
use crate::e2e::Pty;

fn binary(dir: &std::path::Path, args: &[&str]) -> (bool, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sprintdeck"))
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", dir)
        .env("SPRINTDECK_DATA_DIR", dir.join("data"))
        .env("SPRINTDECK_NOW", NOW)
        .output()
        .expect("runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn demo_shape_teams_writes_the_world_as_synced_and_the_file_opens() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("team.db");
    let db_arg = db.to_str().expect("utf-8");
    let (ok, out, err) = binary(dir.path(), &["demo", "--shape", "teams", "--out", db_arg]);
    assert!(ok, "{err}");
    let world = World::generate(&WorldSpec::new(
        DEFAULT_ISSUES,
        sprintdeck::demo::DEFAULT_SEED,
        now(),
    ));
    let target = Target {
        gitlab_url: GITLAB_URL,
        jira_url: JIRA_URL,
        now: world.anchor,
        closed_window_days: CLOSED_WINDOW_DAYS,
    };
    let issues =
        records::gitlab(&world, &target).issues.len() + records::jira(&world, &target).issues.len();
    assert!(out.contains(&format!("({issues} issues")), "{out}");
    let (ok, again, _) = binary(dir.path(), &["demo", "--shape", "teams", "--out", db_arg]);
    assert!(ok && again.starts_with("up to date"), "{again}");
    let (ok, doctor, err) = binary(dir.path(), &["--db", db_arg, "doctor"]);
    assert!(ok, "{err}");
    assert!(doctor.contains("workspace Acme teams (demo)"), "{doctor}");
    assert!(
        doctor.contains("7 projects"),
        "five GitLab projects and two Jira projects; the two groups are not projects: {doctor}"
    );
    let (ok, csv, err) = binary(
        dir.path(),
        &[
            "--db",
            db_arg,
            "export",
            "--format",
            "csv",
            "--query",
            "type:epic",
        ],
    );
    assert!(ok, "{err}");
    assert!(
        csv.contains("acme&1") && csv.contains("BENCH-"),
        "group epics and Jira epics"
    );
    // The default demo is another shape: asking for it replaces the teams world.
    let (ok, back, err) = binary(dir.path(), &["demo", "--out", db_arg]);
    assert!(ok && back.starts_with("generated"), "{back}{err}");
    let (_, doctor, _) = binary(dir.path(), &["--db", db_arg, "doctor"]);
    assert!(
        doctor.contains("3 projects"),
        "one shape at a time: {doctor}"
    );
}

#[test]
fn the_teams_demo_opens_in_the_tui_without_passing_escape_sequences_on() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("team.db");
    let db_arg = db.to_str().expect("utf-8");
    let (ok, _, err) = binary(
        dir.path(),
        &[
            "demo", "--shape", "teams", "--issues", "400", "--out", db_arg,
        ],
    );
    assert!(ok, "{err}");
    for size in [(140, 40), (80, 24)] {
        let mut pty = Pty::spawn(dir.path(), &["--db", db_arg], size);
        let screen = pty.wait_for(
            "GitLab and Jira rows",
            |s| {
                s.contains("BENCH-")
                    && s.contains("MOB-")
                    && s.contains("acme/")
                    && s.contains("acme&")
            },
            Duration::from_secs(20),
        );
        assert!(screen.contains("Acme teams (demo)"), "{screen}");
        assert!(
            screen.contains("RED ALERT"),
            "the hostile title, without its escapes: {screen}"
        );
        pty.send("q");
        assert_eq!(pty.wait_exit(Duration::from_secs(10)), 0);
        for leaked in [
            &b"\x1b]52;c;cm0g"[..],
            b"\x1b]0;pwned",
            b"\x1b]8;;https://evil",
            b"\x1bPq#0",
        ] {
            assert!(
                !pty.wrote(leaked),
                "{size:?}: {:?} reached the terminal",
                String::from_utf8_lossy(leaked)
            );
        }
    }
}
