//! Ollama's native `/api/chat`: one JSON object per line (`message.content`, `done`, token
//! counts on the last line); an `{"error": …}` line can end a stream that started with 200.

use futures_util::stream::{self, BoxStream, StreamExt};
use serde_json::{Value, json};

use super::{ChatRequest, Endpoint, LlmError, LlmEvent, Provider, network};

pub struct Ollama {
    pub endpoint: Endpoint,
    pub client: reqwest::Client,
}

/// What one line adds.
pub fn line_events(v: &Value) -> Vec<LlmEvent> {
    if let Some(err) = v.get("error") {
        let message = err.as_str().map_or_else(|| err.to_string(), str::to_owned);
        return vec![LlmEvent::Error(LlmError::Stream(message))];
    }
    let mut out = Vec::new();
    let text = |k: &str| v.pointer(&format!("/message/{k}")).and_then(Value::as_str);
    if let Some(t) = text("thinking").filter(|t| !t.is_empty()) {
        out.push(LlmEvent::Reasoning(t.to_owned()));
    }
    if let Some(t) = text("content").filter(|t| !t.is_empty()) {
        out.push(LlmEvent::Text(t.to_owned()));
    }
    // Calls arrive whole, their arguments an object, without an id.
    for call in v
        .pointer("/message/tool_calls")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        out.push(LlmEvent::ToolCall {
            id: String::new(),
            name: call
                .pointer("/function/name")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned(),
            arguments: call
                .pointer("/function/arguments")
                .map_or_else(|| "{}".to_owned(), Value::to_string),
        });
    }
    if v.get("done").and_then(Value::as_bool) == Some(true) {
        out.push(LlmEvent::Usage {
            input: v
                .get("prompt_eval_count")
                .and_then(Value::as_u64)
                .unwrap_or(0),
            output: v.get("eval_count").and_then(Value::as_u64).unwrap_or(0),
        });
        out.push(LlmEvent::Done {
            stop_reason: v
                .get("done_reason")
                .and_then(Value::as_str)
                .map(str::to_owned),
        });
    }
    out
}

impl Provider for Ollama {
    fn stream(&self, request: ChatRequest) -> BoxStream<'static, LlmEvent> {
        let e = &self.endpoint;
        let mut body = json!({
            "model": e.model,
            "stream": true,
            "messages": super::messages_json(&request.messages),
        });
        if let Some(t) = e.temperature {
            body["options"] = json!({ "temperature": t });
        }
        if !request.tools.is_empty() {
            body["tools"] = json!(super::functions_json(&request.tools));
        }
        if let Some((_, schema)) = &request.json_schema {
            body["format"] = schema.clone();
        }
        let mut req = self
            .client
            .post(format!("{}/api/chat", e.base_url))
            .json(&body);
        if let Some(key) = &e.key {
            req = req.bearer_auth(key.expose());
        }
        req = super::with_headers(req, &e.headers);
        super::send(req, decode_response)
    }
}

/// The body of a successful answer as events.
fn decode_response(response: reqwest::Response) -> BoxStream<'static, LlmEvent> {
    let bytes = response.bytes_stream().boxed();
    stream::unfold(
        (bytes, Vec::<u8>::new(), false),
        |(mut bytes, mut pending, finished)| async move {
            if finished {
                return None;
            }
            loop {
                if let Some(end) = pending.iter().position(|b| *b == b'\n') {
                    let line: Vec<u8> = pending.drain(..=end).collect();
                    let text = String::from_utf8_lossy(&line);
                    if text.trim().is_empty() {
                        continue;
                    }
                    let out = match serde_json::from_str::<Value>(text.trim()) {
                        Ok(v) => line_events(&v),
                        Err(e) => {
                            vec![LlmEvent::Error(LlmError::Decode(e.to_string()))]
                        }
                    };
                    let end = out
                        .iter()
                        .any(|e| matches!(e, LlmEvent::Done { .. } | LlmEvent::Error(_)));
                    if !out.is_empty() {
                        return Some((out, (bytes, pending, end)));
                    }
                    continue;
                }
                match bytes.next().await {
                    Some(Ok(chunk)) => pending.extend_from_slice(&chunk),
                    Some(Err(e)) => {
                        return Some((vec![LlmEvent::Error(network(&e))], (bytes, pending, true)));
                    }
                    None => {
                        // A last line without its newline, then the end.
                        let rest = String::from_utf8_lossy(&pending).trim().to_owned();
                        pending.clear();
                        let mut out = serde_json::from_str::<Value>(&rest)
                            .map(|v| line_events(&v))
                            .unwrap_or_default();
                        if !out
                            .iter()
                            .any(|e| matches!(e, LlmEvent::Done { .. } | LlmEvent::Error(_)))
                        {
                            out.push(LlmEvent::Error(LlmError::Cut));
                        }
                        return Some((out, (bytes, pending, true)));
                    }
                }
            }
        },
    )
    .flat_map(stream::iter)
    .boxed()
}
