//! Token estimates: `OpenAI`'s BPE encodings (tiktoken-rs) where the model's family is known,
//! otherwise an approximation of one token per four characters — close for English prose and
//! code with Claude, Llama and Mistral tokenizers (typically within 15 %), and the same rule the
//! chat uses for its context budget.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Tokenizer {
    /// GPT-4o, GPT-4.1, GPT-5, o1/o3/o4.
    O200k,
    /// GPT-4, GPT-3.5, text-embedding-3.
    Cl100k,
    /// Anything else: characters / 4.
    #[default]
    Approx,
}

impl Tokenizer {
    /// The encoding a model name implies.
    pub fn for_model(model: &str) -> Self {
        let m = model.to_ascii_lowercase();
        let m = m.rsplit('/').next().unwrap_or(&m);
        if [
            "gpt-4o",
            "gpt-4.1",
            "gpt-4.5",
            "gpt-5",
            "o1",
            "o3",
            "o4",
            "chatgpt-4o",
        ]
        .iter()
        .any(|p| m.starts_with(p))
        {
            Self::O200k
        } else if ["gpt-4", "gpt-3.5", "text-embedding-3", "text-embedding-ada"]
            .iter()
            .any(|p| m.starts_with(p))
        {
            Self::Cl100k
        } else {
            Self::Approx
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::O200k => "o200k",
            Self::Cl100k => "cl100k",
            Self::Approx => "approx",
        }
    }

    pub fn count(self, text: &str) -> usize {
        match self {
            Self::O200k => tiktoken_rs::o200k_base_singleton()
                .encode_with_special_tokens(text)
                .len(),
            Self::Cl100k => tiktoken_rs::cl100k_base_singleton()
                .encode_with_special_tokens(text)
                .len(),
            Self::Approx => text.chars().count().div_ceil(4),
        }
    }
}
