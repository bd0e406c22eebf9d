use std::io::Write;
use std::sync::{Arc, Mutex};

use sprintdeck::logging::redact::{self, RedactingWriter};
use tracing_subscriber::fmt::MakeWriter;

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Buffer {
    type Writer = Buffer;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

#[test]
fn log_lines_never_carry_secrets() {
    let buffer = Buffer::default();
    let subscriber = tracing_subscriber::fmt()
        .with_ansi(false)
        .with_writer(RedactingWriter::new(buffer.clone()))
        .finish();
    redact::register("resolved-token-from-token-cmd");
    tracing::subscriber::with_default(subscriber, || {
        tracing::info!(
            header = "PRIVATE-TOKEN: glpat-0123456789abcdefghij",
            "request"
        );
        tracing::warn!("token_cmd gave resolved-token-from-token-cmd for source work");
        tracing::error!("401 from https://x.example/rest?api_key=sk-abcdefghijklmnopqrstuvwx");
        tracing::info!("Authorization: Basic bWU6c2VjcmV0c2VjcmV0");
    });
    let text = String::from_utf8(buffer.0.lock().expect("lock").clone()).expect("utf8");
    assert_eq!(text.lines().count(), 4, "{text}");
    for secret in [
        "glpat-0123",
        "resolved-token-from-token-cmd",
        "sk-abcdef",
        "bWU6c2Vj",
    ] {
        assert!(!text.contains(secret), "{secret} leaked:\n{text}");
    }
    assert_eq!(text.matches(redact::MASK).count(), 4, "{text}");
}
