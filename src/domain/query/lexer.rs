//! Splits a query into terms: `[-]word`, `[-]"a phrase"`, `[-]field:value`, `[-]field:"quoted value"`.
//! Columns are 1-based character positions, so errors point at the right place in non-ASCII input.

use super::QueryError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawTerm {
    pub column: usize,
    pub negated: bool,
    pub field: Option<String>,
    pub value: String,
    pub value_column: usize,
    pub quoted: bool,
}

pub fn lex(input: &str) -> Result<Vec<RawTerm>, QueryError> {
    let chars: Vec<char> = input.chars().collect();
    let mut terms = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_whitespace() {
            i += 1;
            continue;
        }
        let column = i + 1;
        let negated = chars[i] == '-';
        if negated {
            i += 1;
            if i >= chars.len() || chars[i].is_whitespace() {
                return Err(QueryError::new(
                    column,
                    "expected a term after `-` (for example -label:infra)",
                ));
            }
        }
        if chars[i] == '"' {
            let (value, next) = quoted(&chars, i)?;
            terms.push(RawTerm {
                column,
                negated,
                field: None,
                value,
                value_column: i + 2,
                quoted: true,
            });
            i = next;
            continue;
        }
        let start = i;
        while i < chars.len() && !chars[i].is_whitespace() && chars[i] != ':' && chars[i] != '"' {
            i += 1;
        }
        let word: String = chars[start..i].iter().collect();
        if i < chars.len() && chars[i] == ':' {
            i += 1;
            let value_column = i + 1;
            if i < chars.len() && chars[i] == '"' {
                let (value, next) = quoted(&chars, i)?;
                terms.push(RawTerm {
                    column,
                    negated,
                    field: Some(word.to_ascii_lowercase()),
                    value,
                    value_column,
                    quoted: true,
                });
                i = next;
            } else {
                let vstart = i;
                while i < chars.len() && !chars[i].is_whitespace() {
                    i += 1;
                }
                terms.push(RawTerm {
                    column,
                    negated,
                    field: Some(word.to_ascii_lowercase()),
                    value: chars[vstart..i].iter().collect(),
                    value_column,
                    quoted: false,
                });
            }
        } else {
            if i < chars.len() && chars[i] == '"' {
                return Err(QueryError::new(
                    i + 1,
                    "unexpected `\"` inside a word; put a space before the quote",
                ));
            }
            terms.push(RawTerm {
                column,
                negated,
                field: None,
                value: word,
                value_column: start + 1,
                quoted: false,
            });
        }
    }
    Ok(terms)
}

/// Reads `"…"` starting at `open`; `\"` and `\\` escape. Returns the text and the index after it.
fn quoted(chars: &[char], open: usize) -> Result<(String, usize), QueryError> {
    let mut out = String::new();
    let mut i = open + 1;
    while i < chars.len() {
        match chars[i] {
            '\\' if i + 1 < chars.len() && matches!(chars[i + 1], '"' | '\\') => {
                out.push(chars[i + 1]);
                i += 2;
            }
            '"' => return Ok((out, i + 1)),
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    Err(QueryError::new(
        open + 1,
        "unterminated quote: add a closing `\"`",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_fields_phrases_and_negation() {
        let terms = lex(r#"-label:"needs review" "log in" status:doing"#).expect("lexes");
        assert_eq!(terms.len(), 3);
        assert!(terms[0].negated);
        assert_eq!(terms[0].field.as_deref(), Some("label"));
        assert_eq!(terms[0].value, "needs review");
        assert_eq!(terms[1].value, "log in");
        assert!(terms[1].quoted);
        assert_eq!(terms[2].column, 32);
        assert_eq!(terms[2].value_column, 39);
    }

    #[test]
    fn columns_count_characters() {
        let terms = lex("été status:x").expect("lexes");
        assert_eq!(terms[1].column, 5);
    }

    #[test]
    fn unterminated_quote() {
        let err = lex(r#"title "abc"#).expect_err("unterminated");
        assert_eq!(err.column, 7);
    }
}
