//! OpenAI-compatible Chat Completions with `stream: true` (`OpenAI`, Azure `OpenAI`, Ollama
//! `/v1`, vLLM, llama.cpp, LM Studio, `OpenRouter`, Groq, `DeepSeek`): `data:` chunks until `[DONE]`. A
//! first chunk with empty `choices`, `content: null`, `reasoning_content`, usage in the last
//! chunk and an `error` object after HTTP 200 are all expected.

use eventsource_stream::Eventsource;
use futures_util::stream::{self, BoxStream, StreamExt};
use serde_json::{Value, json};

use super::{ChatRequest, Endpoint, LlmError, LlmEvent, Provider, StreamState};

pub struct OpenAi {
    pub endpoint: Endpoint,
    pub client: reqwest::Client,
}

impl OpenAi {
    fn url(&self) -> String {
        let e = &self.endpoint;
        match &e.api_version {
            // Azure: deployments/<model>/chat/completions?api-version=…
            Some(v) => format!(
                "{}/openai/deployments/{}/chat/completions?api-version={v}",
                e.base_url, e.model
            ),
            None => format!("{}/chat/completions", e.base_url),
        }
    }
}

/// What one chunk adds; tool-call pieces gather in `calls` until the choice finishes.
pub(crate) fn chunk_events(v: &Value, calls: &mut StreamState) -> Vec<LlmEvent> {
    let mut out = Vec::new();
    if let Some(err) = v.get("error") {
        let message = err
            .get("message")
            .and_then(Value::as_str)
            .map_or_else(|| err.to_string(), str::to_owned);
        out.push(LlmEvent::Error(LlmError::Stream(message)));
        return out;
    }
    for choice in v
        .get("choices")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let delta = choice.get("delta");
        for (key, reasoning) in [
            ("reasoning_content", true),
            ("reasoning", true),
            ("content", false),
        ] {
            if let Some(text) = delta.and_then(|d| d.get(key)).and_then(Value::as_str)
                && !text.is_empty()
            {
                out.push(if reasoning {
                    LlmEvent::Reasoning(text.to_owned())
                } else {
                    LlmEvent::Text(text.to_owned())
                });
            }
        }
        for call in delta
            .and_then(|d| d.get("tool_calls"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let index = call.get("index").and_then(Value::as_u64).unwrap_or(0);
            let text = |p: &str| call.pointer(p).and_then(Value::as_str).unwrap_or("");
            calls.start(index, text("/id"), text("/function/name"));
            calls.push(index, text("/function/arguments"));
        }
        if let Some(reason) = choice.get("finish_reason").and_then(Value::as_str) {
            calls.stop_reason = Some(reason.to_owned());
            out.extend(calls.finish_all());
        }
    }
    if let Some(u) = v.get("usage").filter(|u| !u.is_null()) {
        out.push(LlmEvent::Usage {
            input: u.get("prompt_tokens").and_then(Value::as_u64).unwrap_or(0),
            output: u
                .get("completion_tokens")
                .and_then(Value::as_u64)
                .unwrap_or(0),
        });
    }
    out
}

impl Provider for OpenAi {
    fn stream(&self, request: ChatRequest) -> BoxStream<'static, LlmEvent> {
        let e = &self.endpoint;
        let mut body = json!({
            "model": e.model,
            "stream": true,
            "stream_options": { "include_usage": true },
            "messages": super::messages_json(&request.messages),
        });
        if let Some(t) = e.temperature {
            body["temperature"] = json!(t);
        }
        if let Some(m) = e.max_tokens {
            body["max_tokens"] = json!(m);
        }
        if !request.tools.is_empty() {
            body["tools"] = json!(super::functions_json(&request.tools));
        }
        if let Some((name, schema)) = &request.json_schema {
            body["response_format"] = json!({
                "type": "json_schema",
                "json_schema": { "name": name, "schema": schema },
            });
        }
        let mut req = self.client.post(self.url()).json(&body);
        if let Some(key) = &e.key {
            req = if e.api_version.is_some() {
                req.header("api-key", key.expose())
            } else {
                req.bearer_auth(key.expose())
            };
        }
        req = super::with_headers(req, &e.headers);
        super::send(req, decode_response)
    }
}

/// The body of a successful answer as events.
fn decode_response(response: reqwest::Response) -> BoxStream<'static, LlmEvent> {
    decode(response.bytes_stream().eventsource().boxed())
}

type Events = BoxStream<
    'static,
    Result<eventsource_stream::Event, eventsource_stream::EventStreamError<reqwest::Error>>,
>;

/// SSE events into [`LlmEvent`]s; the end without `[DONE]` is a cut connection.
fn decode(events: Events) -> BoxStream<'static, LlmEvent> {
    let calls = StreamState::default();
    stream::unfold(
        (events, calls, false),
        |(mut events, mut calls, finished)| async move {
            if finished {
                return None;
            }
            loop {
                match events.next().await {
                    None => {
                        return Some((vec![LlmEvent::Error(LlmError::Cut)], (events, calls, true)));
                    }
                    Some(Err(e)) => {
                        return Some((
                            vec![LlmEvent::Error(LlmError::Decode(e.to_string()))],
                            (events, calls, true),
                        ));
                    }
                    Some(Ok(event)) => {
                        let data = event.data.trim();
                        if data == "[DONE]" {
                            let mut out = calls.finish_all();
                            out.push(LlmEvent::Done {
                                stop_reason: calls.stop_reason.take(),
                            });
                            return Some((out, (events, calls, true)));
                        }
                        if data.is_empty() {
                            continue;
                        }
                        let out = match serde_json::from_str::<Value>(data) {
                            Ok(v) => chunk_events(&v, &mut calls),
                            Err(e) => vec![LlmEvent::Error(LlmError::Decode(e.to_string()))],
                        };
                        let failed = out.iter().any(|e| matches!(e, LlmEvent::Error(_)));
                        if !out.is_empty() {
                            return Some((out, (events, calls, failed)));
                        }
                    }
                }
            }
        },
    )
    .flat_map(stream::iter)
    .boxed()
}
