//! Effects of issue-to-prompt: render and keep a version, write it to a file, pipe it to a
//! command, attach an agent's answer, the figures.

use super::EffectIo;
use crate::app::msg::{Effect, Msg};
use crate::store::Store;

/// Issue-to-prompt effects: render and keep, write, pipe, attach an output, figures.
pub async fn perform(store: &Store, io: &EffectIo, effect: Effect) -> Option<Msg> {
    let notice = |result: Result<String, String>| match result {
        Ok(text) => Msg::Notice { text, error: false },
        Err(text) => Msg::Notice { text, error: true },
    };
    Some(match effect {
        Effect::RenderPrompt {
            issue_id,
            template,
            vars,
        } => {
            let setup = &io.prompts;
            let request = crate::prompt::Request {
                issue_id,
                template,
                vars,
                tokenizer: setup.tokenizer,
                author: setup.author.clone(),
            };
            Msg::PromptRendered(
                crate::prompt::render_issue(store, &setup.library, request, io.clock.now())
                    .await
                    .map(Box::new)
                    .map_err(|e| e.to_string()),
            )
        }
        Effect::WritePrompt(version) => {
            let path = crate::prompt::file_for(&io.prompts.out_dir, &version);
            let written = async {
                tokio::fs::create_dir_all(&io.prompts.out_dir).await?;
                tokio::fs::write(&path, &version.text).await
            }
            .await;
            notice(
                written
                    .map(|()| format!("written to {}", path.display()))
                    .map_err(|e| format!("cannot write {}: {e}", path.display())),
            )
        }
        Effect::PipePrompt { command, text } => notice(pipe(&command, &text).await),
        Effect::SavePromptOutput { version_id, text } => {
            let now = io.clock.now();
            let saved = store
                .writer()
                .transaction(move |c| {
                    Box::pin(async move {
                        crate::store::prompts::attach_output(c, version_id, &text, "pasted", now)
                            .await
                    })
                })
                .await;
            notice(match saved {
                Ok((_, true)) => Ok(format!("output attached to version {version_id}")),
                Ok((_, false)) => Ok(format!(
                    "that output is already attached to version {version_id}"
                )),
                Err(e) => Err(format!("cannot attach the output: {e}")),
            })
        }
        Effect::LoadPromptStats => Msg::PromptStats(
            crate::store::prompts::stats(store.pool(), io.clock.now())
                .await
                .map_err(|e| e.to_string()),
        ),
        _ => return None,
    })
}

/// Runs `sh -c command` with the prompt on its standard input; its output is not shown (the
/// screen belongs to the UI), only whether it succeeded.
async fn pipe(command: &str, text: &str) -> Result<String, String> {
    use tokio::io::AsyncWriteExt as _;
    let mut child = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(command)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot run `{command}`: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(text.as_bytes())
            .await
            .map_err(|e| format!("`{command}` did not take the prompt: {e}"))?;
    }
    let out = child
        .wait_with_output()
        .await
        .map_err(|e| format!("`{command}` failed: {e}"))?;
    if out.status.success() {
        Ok(format!("piped to `{command}`"))
    } else {
        let why = String::from_utf8_lossy(&out.stderr);
        let why = crate::domain::text::sanitize(why.lines().next().unwrap_or(""), false);
        Err(format!("`{command}` failed ({}): {why}", out.status))
    }
}
