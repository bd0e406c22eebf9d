//! Anthropic Messages streaming: `message_start` (input tokens), `content_block_delta` (text or
//! thinking), `message_delta` (output tokens, stop reason), `message_stop`, and `error` events
//! that can arrive after HTTP 200 (`overloaded_error`).

use eventsource_stream::Eventsource;
use futures_util::stream::{self, BoxStream, StreamExt};
use serde_json::{Value, json};

use super::{ChatRequest, Endpoint, LlmError, LlmEvent, Provider, Role, StreamState};

pub struct Anthropic {
    pub endpoint: Endpoint,
    pub client: reqwest::Client,
}

/// What one event adds; `input` carries the input tokens from `message_start` to the usage,
/// `calls` the pieces of tool calls until their block stops.
pub(crate) fn event_events(
    kind: &str,
    v: &Value,
    input: &mut u64,
    calls: &mut StreamState,
) -> Vec<LlmEvent> {
    let index = v.get("index").and_then(Value::as_u64).unwrap_or(0);
    match kind {
        "content_block_start" => {
            let block = v.get("content_block");
            if block.and_then(|b| b.get("type")).and_then(Value::as_str) == Some("tool_use") {
                let text = |k: &str| {
                    block
                        .and_then(|b| b.get(k))
                        .and_then(Value::as_str)
                        .unwrap_or("")
                };
                if text("name") == super::JSON_ANSWER_TOOL {
                    calls.answer_block(index);
                } else {
                    calls.start(index, text("id"), text("name"));
                }
            }
            Vec::new()
        }
        "content_block_stop" => calls.finish(index).into_iter().collect(),
        "message_start" => {
            *input = v
                .pointer("/message/usage/input_tokens")
                .and_then(Value::as_u64)
                .unwrap_or(0);
            Vec::new()
        }
        "content_block_delta" => {
            let delta = v.get("delta");
            let text = |k: &str| delta.and_then(|d| d.get(k)).and_then(Value::as_str);
            match delta.and_then(|d| d.get("type")).and_then(Value::as_str) {
                Some("text_delta") => text("text")
                    .map(|t| LlmEvent::Text(t.to_owned()))
                    .into_iter()
                    .collect(),
                Some("thinking_delta") => text("thinking")
                    .map(|t| LlmEvent::Reasoning(t.to_owned()))
                    .into_iter()
                    .collect(),
                Some("input_json_delta") if calls.is_answer(index) => text("partial_json")
                    .filter(|t| !t.is_empty())
                    .map(|t| LlmEvent::Text(t.to_owned()))
                    .into_iter()
                    .collect(),
                Some("input_json_delta") if calls.is_open(index) => {
                    calls.push(index, text("partial_json").unwrap_or(""));
                    Vec::new()
                }
                _ => Vec::new(),
            }
        }
        "message_delta" => {
            if let Some(reason) = v.pointer("/delta/stop_reason").and_then(Value::as_str) {
                calls.stop_reason = Some(reason.to_owned());
            }
            let mut out = Vec::new();
            if let Some(u) = v.get("usage") {
                let input_here = u
                    .get("input_tokens")
                    .and_then(Value::as_u64)
                    .unwrap_or(*input);
                out.push(LlmEvent::Usage {
                    input: input_here,
                    output: u.get("output_tokens").and_then(Value::as_u64).unwrap_or(0),
                });
            }
            out
        }
        "message_stop" => vec![LlmEvent::Done {
            stop_reason: calls.stop_reason.take(),
        }],
        "error" => {
            let message = v
                .pointer("/error/message")
                .and_then(Value::as_str)
                .unwrap_or("unknown error")
                .to_owned();
            let kind = v
                .pointer("/error/type")
                .and_then(Value::as_str)
                .unwrap_or("");
            vec![LlmEvent::Error(LlmError::Stream(format!(
                "{kind}: {message}"
            )))]
        }
        _ => Vec::new(),
    }
}

impl Provider for Anthropic {
    fn stream(&self, request: ChatRequest) -> BoxStream<'static, LlmEvent> {
        let e = &self.endpoint;
        // The system prompt is its own field; the messages alternate user and assistant.
        let system: Vec<&str> = request
            .messages
            .iter()
            .filter(|m| m.role == Role::System)
            .map(|m| m.content.as_str())
            .collect();
        let messages: Vec<Value> = request
            .messages
            .iter()
            .filter(|m| m.role != Role::System)
            .map(|m| json!({"role": m.role.as_str(), "content": m.content}))
            .collect();
        let mut body = json!({
            "model": e.model,
            "stream": true,
            // Required here; a JSON answer (a whole backlog) needs far more than a chat reply.
            "max_tokens": e.max_tokens.unwrap_or(if request.json_schema.is_some() { 16_384 } else { 1024 }),
            "messages": messages,
        });
        if !system.is_empty() {
            body["system"] = json!(system.join("\n\n"));
        }
        if let Some(t) = e.temperature {
            body["temperature"] = json!(t);
        }
        let mut tools: Vec<Value> = request
            .tools
            .iter()
            .map(|t| json!({"name": t.name, "description": t.description, "input_schema": t.parameters}))
            .collect();
        // A JSON answer is the input of a tool the model must call, checked against the schema.
        if let Some((name, schema)) = &request.json_schema {
            tools.push(json!({
                "name": super::JSON_ANSWER_TOOL,
                "description": format!("Give the answer ({name}) as this tool's input."),
                "input_schema": schema,
            }));
            body["tool_choice"] = json!({ "type": "tool", "name": super::JSON_ANSWER_TOOL });
        }
        if !tools.is_empty() {
            body["tools"] = json!(tools);
        }
        let mut req = self
            .client
            .post(format!("{}/v1/messages", e.base_url))
            .header("anthropic-version", "2023-06-01")
            .json(&body);
        if let Some(key) = &e.key {
            req = req.header("x-api-key", key.expose());
        }
        req = super::with_headers(req, &e.headers);
        super::send(req, decode_response)
    }
}

/// The body of a successful answer as events.
fn decode_response(response: reqwest::Response) -> BoxStream<'static, LlmEvent> {
    let events = response.bytes_stream().eventsource();
    stream::unfold(
        (events.boxed(), 0u64, StreamState::default(), false),
        |(mut events, mut input, mut calls, finished)| async move {
            if finished {
                return None;
            }
            loop {
                match events.next().await {
                    None => {
                        return Some((
                            vec![LlmEvent::Error(LlmError::Cut)],
                            (events, input, calls, true),
                        ));
                    }
                    Some(Err(e)) => {
                        return Some((
                            vec![LlmEvent::Error(LlmError::Decode(e.to_string()))],
                            (events, input, calls, true),
                        ));
                    }
                    Some(Ok(event)) => {
                        let Ok(v) = serde_json::from_str::<Value>(&event.data) else {
                            continue;
                        };
                        let kind = if event.event.is_empty() || event.event == "message" {
                            v.get("type")
                                .and_then(Value::as_str)
                                .unwrap_or("")
                                .to_owned()
                        } else {
                            event.event.clone()
                        };
                        let out = event_events(&kind, &v, &mut input, &mut calls);
                        let end = out
                            .iter()
                            .any(|e| matches!(e, LlmEvent::Done { .. } | LlmEvent::Error(_)));
                        if !out.is_empty() {
                            return Some((out, (events, input, calls, end)));
                        }
                    }
                }
            }
        },
    )
    .flat_map(stream::iter)
    .boxed()
}
