//! The chat-completions wire format, as OpenAI defines it and the strictest
//! compatible servers (llama.cpp's `llama-server`, llama-cpp-python's server) accept it.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

/// One message of a conversation sent to the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "role", rename_all = "lowercase")]
pub enum ChatMessage {
    System {
        content: String,
    },
    User {
        content: String,
    },
    Assistant {
        /// Always a string on the wire, `""` beside tool calls: llama-cpp-python
        /// answers HTTP 500 to `"content": null` (OpenAI's own shape).
        #[serde(default, deserialize_with = "null_as_default")]
        content: String,
        #[serde(
            default,
            skip_serializing_if = "Vec::is_empty",
            deserialize_with = "null_as_empty"
        )]
        tool_calls: Vec<ToolCallRequest>,
    },
    Tool {
        tool_call_id: String,
        content: String,
    },
}

impl ChatMessage {
    pub fn system(content: impl Into<String>) -> Self {
        ChatMessage::System {
            content: content.into(),
        }
    }

    pub fn user(content: impl Into<String>) -> Self {
        ChatMessage::User {
            content: content.into(),
        }
    }

    pub fn assistant(content: impl Into<String>) -> Self {
        ChatMessage::Assistant {
            content: content.into(),
            tool_calls: Vec::new(),
        }
    }

    pub fn tool_result(tool_call_id: impl Into<String>, content: impl Into<String>) -> Self {
        ChatMessage::Tool {
            tool_call_id: tool_call_id.into(),
            content: content.into(),
        }
    }
}

impl From<AssistantMessage> for ChatMessage {
    fn from(m: AssistantMessage) -> Self {
        ChatMessage::Assistant {
            content: m.content.unwrap_or_default(),
            tool_calls: m.tool_calls,
        }
    }
}

/// A tool call the model asks for. `arguments` is a JSON document in a string,
/// exactly as the model wrote it: it may be malformed, so parse it with care.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolCallRequest {
    pub id: String,
    #[serde(rename = "type", default = "function_type")]
    pub kind: String,
    pub function: FunctionCall,
}

fn function_type() -> String {
    "function".to_string()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunctionCall {
    pub name: String,
    #[serde(default)]
    pub arguments: String,
}

impl ToolCallRequest {
    pub fn new(id: impl Into<String>, name: impl Into<String>, arguments: &Value) -> Self {
        Self {
            id: id.into(),
            kind: function_type(),
            function: FunctionCall {
                name: name.into(),
                arguments: arguments.to_string(),
            },
        }
    }

    /// The arguments parsed as a JSON object; an empty string counts as `{}`.
    pub fn parsed_arguments(&self) -> Result<serde_json::Map<String, Value>, String> {
        let raw = self.function.arguments.trim();
        if raw.is_empty() {
            return Ok(serde_json::Map::new());
        }
        match serde_json::from_str::<Value>(raw) {
            Ok(Value::Object(map)) => Ok(map),
            Ok(other) => Err(format!("arguments must be a JSON object, got {other}")),
            Err(e) => Err(format!("arguments are not valid JSON: {e}")),
        }
    }
}

/// A tool offered to the model: a function with a JSON-schema of its parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolSpec {
    #[serde(rename = "type")]
    pub kind: String,
    pub function: FunctionSpec,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunctionSpec {
    pub name: String,
    pub description: String,
    pub parameters: Value,
}

impl ToolSpec {
    pub fn function(
        name: impl Into<String>,
        description: impl Into<String>,
        parameters: Value,
    ) -> Self {
        Self {
            kind: function_type(),
            function: FunctionSpec {
                name: name.into(),
                description: description.into(),
                parameters,
            },
        }
    }
}

/// Which tool the model may or must call. `Function` names one tool, in OpenAI's
/// `{"type": "function", "function": {"name": ...}}` shape; servers that constrain
/// output with a grammar (llama.cpp) then can only answer with that call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ToolChoice {
    Auto,
    None,
    Required,
    Function(String),
}

impl Serialize for ToolChoice {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            ToolChoice::Auto => s.serialize_str("auto"),
            ToolChoice::None => s.serialize_str("none"),
            ToolChoice::Required => s.serialize_str("required"),
            ToolChoice::Function(name) => {
                serde_json::json!({"type": "function", "function": {"name": name}}).serialize(s)
            }
        }
    }
}

impl<'de> Deserialize<'de> for ToolChoice {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        match &v {
            Value::String(s) if s == "auto" => Ok(ToolChoice::Auto),
            Value::String(s) if s == "none" => Ok(ToolChoice::None),
            Value::String(s) if s == "required" => Ok(ToolChoice::Required),
            Value::Object(_) => v
                .pointer("/function/name")
                .and_then(Value::as_str)
                .map(|n| ToolChoice::Function(n.to_string()))
                .ok_or_else(|| {
                    serde::de::Error::custom("tool_choice object without function.name")
                }),
            _ => Err(serde::de::Error::custom(format!("unknown tool_choice {v}"))),
        }
    }
}

/// A chat-completions request. Fields left `None` are filled from the client's
/// [`crate::LlmConfig`] (`max_tokens`, `temperature`, `tool_choice`), so every
/// request carries them; `stream` is set by the client too.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatRequest {
    pub model: String,
    pub messages: Vec<ChatMessage>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tools: Vec<ToolSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_choice: Option<ToolChoice>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<u32>,
    #[serde(default)]
    pub stream: bool,
    /// Set by the client on streamed requests: without it OpenAI-style servers send no
    /// token usage in a stream.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream_options: Option<StreamOptions>,
}

/// `stream_options` of a streamed request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamOptions {
    /// Asks for a last chunk (with no choices) that carries the request's [`Usage`].
    pub include_usage: bool,
}

impl ChatRequest {
    pub fn new(model: impl Into<String>, messages: Vec<ChatMessage>) -> Self {
        Self {
            model: model.into(),
            messages,
            tools: Vec::new(),
            tool_choice: None,
            temperature: None,
            max_tokens: None,
            stream: false,
            stream_options: None,
        }
    }

    /// Offers `tools`; the tool choice is left to the client's configured mode.
    pub fn with_tools(mut self, tools: Vec<ToolSpec>) -> Self {
        self.tools = tools;
        self
    }
}

/// The assistant's message in a response.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AssistantMessage {
    #[serde(default)]
    pub content: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "null_as_empty"
    )]
    pub tool_calls: Vec<ToolCallRequest>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Choice {
    #[serde(default)]
    pub index: u32,
    pub message: AssistantMessage,
    /// `stop`, `tool_calls`, `length`, `content_filter`, ... as the provider says.
    #[serde(default)]
    pub finish_reason: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    #[serde(default)]
    pub prompt_tokens: u64,
    #[serde(default)]
    pub completion_tokens: u64,
    #[serde(default)]
    pub total_tokens: u64,
}

/// A chat-completions response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatResponse {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub model: String,
    pub choices: Vec<Choice>,
    #[serde(default)]
    pub usage: Option<Usage>,
}

impl ChatResponse {
    /// The first choice: what every provider returns when `n` is not set.
    pub fn first(&self) -> Option<&Choice> {
        self.choices.first()
    }
}

fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

fn null_as_empty<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn messages_serialise_in_openai_shape() {
        let call = ToolCallRequest::new("call_1", "add_task", &json!({"title": "x"}));
        let msgs = vec![
            ChatMessage::system("s"),
            ChatMessage::user("u"),
            ChatMessage::Assistant {
                content: String::new(),
                tool_calls: vec![call],
            },
            ChatMessage::tool_result("call_1", "{\"ok\":true}"),
        ];
        let v = serde_json::to_value(&msgs).unwrap();
        assert_eq!(
            v,
            json!([
                {"role": "system", "content": "s"},
                {"role": "user", "content": "u"},
                {"role": "assistant", "content": "", "tool_calls": [
                    {"id": "call_1", "type": "function", "function": {"name": "add_task", "arguments": "{\"title\":\"x\"}"}}
                ]},
                {"role": "tool", "tool_call_id": "call_1", "content": "{\"ok\":true}"}
            ])
        );
    }

    #[test]
    fn responses_tolerate_nulls_and_missing_fields() {
        let raw = json!({
            "id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "m",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": null, "tool_calls": null}, "finish_reason": "stop"}]
        });
        let r: ChatResponse = serde_json::from_value(raw).unwrap();
        assert!(r.first().unwrap().message.tool_calls.is_empty());
        assert!(r.usage.is_none());
    }

    #[test]
    fn tool_choice_has_the_openai_shapes() {
        let all = [
            (ToolChoice::Auto, json!("auto")),
            (ToolChoice::None, json!("none")),
            (ToolChoice::Required, json!("required")),
            (
                ToolChoice::Function("list_tasks".into()),
                json!({"type": "function", "function": {"name": "list_tasks"}}),
            ),
        ];
        for (choice, wire) in all {
            assert_eq!(serde_json::to_value(&choice).unwrap(), wire);
            assert_eq!(serde_json::from_value::<ToolChoice>(wire).unwrap(), choice);
        }
        assert!(serde_json::from_value::<ToolChoice>(json!("any")).is_err());
    }

    #[test]
    fn arguments_parse_strictly() {
        let mut c = ToolCallRequest::new("a", "f", &json!({"k": 1}));
        assert_eq!(c.parsed_arguments().unwrap()["k"], 1);
        c.function.arguments = String::new();
        assert!(c.parsed_arguments().unwrap().is_empty());
        c.function.arguments = "[1]".into();
        assert!(c.parsed_arguments().is_err());
        c.function.arguments = "{oops".into();
        assert!(c.parsed_arguments().unwrap_err().contains("not valid JSON"));
    }
}
