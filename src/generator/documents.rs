//! Documents given to the generator as context: Markdown or plain text as is, PDF as its text
//! (pdf-extract, behind the default cargo feature `pdf`). Each is named by its file name and kept
//! in the run by its hash only.

use std::path::Path;

/// The largest document read.
pub const MAX_BYTES: u64 = 4 * 1024 * 1024;
/// The most text taken from one document (a long PDF would crowd out the prompt).
pub const MAX_CHARS: usize = 60_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    pub name: String,
    pub text: String,
    /// `name sha256:<first 16 hex>` of the file's bytes, as the run records it.
    pub fingerprint: String,
}

/// Reads `path`; the error says what to do about it.
pub fn read(path: &Path) -> Result<Document, String> {
    let shown = path.display();
    let size = std::fs::metadata(path)
        .map_err(|e| format!("cannot read {shown}: {e}"))?
        .len();
    if size > MAX_BYTES {
        return Err(format!(
            "{shown} is {size} bytes; documents up to {} MiB are read",
            MAX_BYTES / 1024 / 1024
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {shown}: {e}"))?;
    let pdf = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("pdf"))
        || bytes.starts_with(b"%PDF-");
    let text = if pdf {
        pdf_text(&bytes, &shown.to_string())?
    } else {
        String::from_utf8(bytes.clone()).map_err(|_| format!("{shown} is not UTF-8 text"))?
    };
    let name = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let text = crate::domain::text::sanitize(&text, true);
    let text: String = text.chars().take(MAX_CHARS).collect();
    Ok(Document {
        fingerprint: format!(
            "{name} sha256:{}",
            &crate::store::prompts::sha256(&bytes)[..16]
        ),
        name,
        text,
    })
}

/// Whether this build reads PDF documents (the cargo feature `pdf`).
pub const PDF: bool = cfg!(feature = "pdf");

#[cfg(feature = "pdf")]
fn pdf_text(bytes: &[u8], shown: &str) -> Result<String, String> {
    // A damaged PDF must not take the app down with it.
    let extracted = std::panic::catch_unwind(|| pdf_extract::extract_text_from_mem(bytes))
        .map_err(|_| format!("{shown}: the PDF could not be read"))?
        .map_err(|e| format!("{shown}: the PDF could not be read: {e}"))?;
    if extracted.trim().is_empty() {
        return Err(format!(
            "{shown} holds no text (a scanned PDF?); give its text as a .txt or .md file"
        ));
    }
    Ok(extracted)
}

#[cfg(not(feature = "pdf"))]
fn pdf_text(_bytes: &[u8], shown: &str) -> Result<String, String> {
    Err(format!(
        "{shown} is a PDF, and this sprintdeck was built without PDF support (cargo feature \
         `pdf`); give its text as a .txt or .md file, or build with the default features"
    ))
}
