use std::time::Duration;

use crate::{LlmError, Result, RetryPolicy};

/// Which kind of endpoint is configured; picks the default base URL, model and
/// API-key variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    OpenAi,
    Gemini,
    Ollama,
    Vllm,
    LlamaCpp,
    /// Any other OpenAI-compatible server; `LLM_BASE_URL` and `LLM_MODEL` are required.
    OpenAiCompatible,
}

impl Provider {
    pub fn parse(raw: &str) -> Result<Self> {
        match raw.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "openai" => Ok(Provider::OpenAi),
            "gemini" | "google" => Ok(Provider::Gemini),
            "ollama" => Ok(Provider::Ollama),
            "vllm" => Ok(Provider::Vllm),
            "llamacpp" | "llama.cpp" | "llama-cpp" => Ok(Provider::LlamaCpp),
            "openai-compatible" | "compatible" | "custom" => Ok(Provider::OpenAiCompatible),
            other => Err(LlmError::Config(format!(
                "LLM_PROVIDER={other:?} is not known; use openai, gemini, ollama, vllm, llamacpp or openai-compatible"
            ))),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Provider::OpenAi => "openai",
            Provider::Gemini => "gemini",
            Provider::Ollama => "ollama",
            Provider::Vllm => "vllm",
            Provider::LlamaCpp => "llamacpp",
            Provider::OpenAiCompatible => "openai-compatible",
        }
    }

    /// The provider's usual endpoint; `None` when the user must say where it is.
    pub fn default_base_url(self) -> Option<&'static str> {
        match self {
            Provider::OpenAi => Some("https://api.openai.com/v1"),
            Provider::Gemini => Some("https://generativelanguage.googleapis.com/v1beta/openai"),
            Provider::Ollama => Some("http://127.0.0.1:11434/v1"),
            Provider::Vllm => Some("http://127.0.0.1:8000/v1"),
            Provider::LlamaCpp => Some("http://127.0.0.1:8080/v1"),
            Provider::OpenAiCompatible => None,
        }
    }

    pub fn default_model(self) -> Option<&'static str> {
        match self {
            Provider::OpenAi => Some("gpt-4o-mini"),
            Provider::Gemini => Some("gemini-2.0-flash"),
            Provider::Ollama => Some("llama3.1"),
            // llama.cpp serves whatever model it loaded and ignores the name.
            Provider::LlamaCpp => Some("default"),
            Provider::Vllm | Provider::OpenAiCompatible => None,
        }
    }

    /// The provider-specific key variable consulted when `LLM_API_KEY` is unset.
    pub fn key_env(self) -> Option<&'static str> {
        match self {
            Provider::OpenAi | Provider::OpenAiCompatible => Some("OPENAI_API_KEY"),
            Provider::Gemini => Some("GEMINI_API_KEY"),
            Provider::Ollama | Provider::Vllm | Provider::LlamaCpp => None,
        }
    }

    fn key_required(self) -> bool {
        matches!(self, Provider::OpenAi | Provider::Gemini)
    }
}

/// An API key. `Debug` and `Display` are redacted so it cannot leak into logs.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    pub fn new(raw: impl Into<String>) -> Self {
        Self(raw.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ApiKey(***)")
    }
}

/// How the client sets `tool_choice` on requests that offer tools and do not name one.
/// Servers differ: llama-cpp-python's `chatml-function-calling` mishandles `"auto"`
/// and answers `"required"` with HTTP 500; some gateways reject the field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToolChoiceMode {
    /// Send `"auto"` (OpenAI's default; llama.cpp's server honours it).
    Auto,
    /// Leave the field out and let the server decide.
    Omit,
    /// Send `"required"`: every answer must be a tool call.
    Required,
}

impl ToolChoiceMode {
    pub fn parse(raw: &str) -> Result<Self> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "auto" => Ok(Self::Auto),
            "omit" | "none" | "off" => Ok(Self::Omit),
            "required" => Ok(Self::Required),
            other => Err(LlmError::Config(format!(
                "LLM_TOOL_CHOICE={other:?} is not known; use auto, omit or required"
            ))),
        }
    }
}

/// Where and how to reach a chat-completions endpoint.
#[derive(Debug, Clone)]
pub struct LlmConfig {
    pub provider: Provider,
    /// Base URL up to and including the version segment, e.g. `http://127.0.0.1:11434/v1`;
    /// `/chat/completions` is appended.
    pub base_url: String,
    pub model: String,
    pub api_key: Option<ApiKey>,
    /// Timeout of one HTTP attempt (connect + whole response).
    pub request_timeout: Duration,
    /// Budget of one chat turn: every model round trip, retry and tool run of it.
    /// Never shorter than `request_timeout`.
    pub turn_timeout: Duration,
    pub retry: RetryPolicy,
    /// `max_tokens` of every request: a runaway answer is cut here.
    pub max_tokens: u32,
    /// `temperature` of every request; low, because tool calls want the likeliest answer.
    pub temperature: f32,
    pub tool_choice: ToolChoiceMode,
    /// Stream answers (SSE). A timed-out or cancelled request then closes the
    /// connection while the server is still writing, so the server stops generating;
    /// a non-streamed request keeps a server busy until its answer is complete.
    pub stream: bool,
}

impl LlmConfig {
    /// Default timeout of one attempt; local models on a CPU can be slow.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
    /// Default turn budget: two slow round trips, or one plus a retry.
    pub const DEFAULT_TURN_TIMEOUT: Duration = Duration::from_secs(120);
    /// Enough for a few tool calls or a short answer; a listing reply is composed
    /// from tool results, not generated.
    pub const DEFAULT_MAX_TOKENS: u32 = 512;
    pub const DEFAULT_TEMPERATURE: f32 = 0.1;

    pub fn new(provider: Provider, base_url: impl Into<String>, model: impl Into<String>) -> Self {
        Self {
            provider,
            base_url: base_url.into().trim_end_matches('/').to_string(),
            model: model.into(),
            api_key: None,
            request_timeout: Self::DEFAULT_TIMEOUT,
            turn_timeout: Self::DEFAULT_TURN_TIMEOUT,
            retry: RetryPolicy::default(),
            max_tokens: Self::DEFAULT_MAX_TOKENS,
            temperature: Self::DEFAULT_TEMPERATURE,
            tool_choice: ToolChoiceMode::Auto,
            stream: true,
        }
    }

    /// Reads `LLM_PROVIDER`, `LLM_BASE_URL`, `LLM_MODEL`, `LLM_API_KEY` (falling back
    /// to `OPENAI_API_KEY`/`GEMINI_API_KEY` by provider), `LLM_TIMEOUT_SECS` (one
    /// request), `LLM_TURN_TIMEOUT_SECS` (one chat turn), `LLM_MAX_TOKENS`,
    /// `LLM_TEMPERATURE`, `LLM_TOOL_CHOICE` (auto|omit|required) and `LLM_STREAM` (true|false).
    /// `Ok(None)` when neither `LLM_PROVIDER` nor `LLM_BASE_URL` is set: no LLM is configured.
    pub fn from_env() -> Result<Option<Self>> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// [`LlmConfig::from_env`] over any variable source, so it can be tested without
    /// touching the process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Option<Self>> {
        let get = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let provider = match (get("LLM_PROVIDER"), get("LLM_BASE_URL")) {
            (None, None) => return Ok(None),
            (Some(p), _) => Provider::parse(&p)?,
            (None, Some(_)) => Provider::OpenAiCompatible,
        };
        let base_url =
            match get("LLM_BASE_URL").or_else(|| provider.default_base_url().map(str::to_string)) {
                Some(url) => url,
                None => {
                    return Err(LlmError::Config(format!(
                        "LLM_PROVIDER={} needs LLM_BASE_URL (e.g. http://127.0.0.1:8000/v1)",
                        provider.as_str()
                    )));
                }
            };
        if !(base_url.starts_with("http://") || base_url.starts_with("https://")) {
            return Err(LlmError::Config(format!(
                "LLM_BASE_URL={base_url:?} must start with http:// or https://"
            )));
        }
        let model = match get("LLM_MODEL").or_else(|| provider.default_model().map(str::to_string))
        {
            Some(m) => m,
            None => {
                return Err(LlmError::Config(format!(
                    "LLM_PROVIDER={} needs LLM_MODEL (the model name the server serves)",
                    provider.as_str()
                )));
            }
        };
        let api_key = get("LLM_API_KEY")
            .or_else(|| provider.key_env().and_then(get))
            .map(ApiKey::new);
        if api_key.is_none() && provider.key_required() {
            return Err(LlmError::Config(format!(
                "LLM_PROVIDER={} needs an API key: set LLM_API_KEY or {}",
                provider.as_str(),
                provider.key_env().unwrap_or("LLM_API_KEY")
            )));
        }
        let mut config = Self::new(provider, base_url, model);
        config.api_key = api_key;
        let seconds = |name: &str| -> Result<Option<Duration>> {
            get(name)
                .map(|raw| {
                    raw.parse::<u64>()
                        .ok()
                        .filter(|s| *s > 0)
                        .map(Duration::from_secs)
                        .ok_or_else(|| {
                            LlmError::Config(format!(
                                "{name}={raw:?} must be a positive whole number of seconds"
                            ))
                        })
                })
                .transpose()
        };
        if let Some(t) = seconds("LLM_TIMEOUT_SECS")? {
            config.request_timeout = t;
        }
        config.turn_timeout = match seconds("LLM_TURN_TIMEOUT_SECS")? {
            Some(t) if t < config.request_timeout => {
                return Err(LlmError::Config(format!(
                    "LLM_TURN_TIMEOUT_SECS={} is shorter than one request may take (LLM_TIMEOUT_SECS={}); raise it or lower LLM_TIMEOUT_SECS",
                    t.as_secs(),
                    config.request_timeout.as_secs()
                )));
            }
            Some(t) => t,
            // Room for two full requests when only the request timeout was raised.
            None => Self::DEFAULT_TURN_TIMEOUT.max(config.request_timeout * 2),
        };
        if let Some(raw) = get("LLM_MAX_TOKENS") {
            config.max_tokens = raw
                .parse::<u32>()
                .ok()
                .filter(|n| (16..=131_072).contains(n))
                .ok_or_else(|| {
                    LlmError::Config(format!(
                        "LLM_MAX_TOKENS={raw:?} must be a whole number from 16 to 131072"
                    ))
                })?;
        }
        if let Some(raw) = get("LLM_TEMPERATURE") {
            config.temperature = raw
                .parse::<f32>()
                .ok()
                .filter(|t| (0.0..=2.0).contains(t))
                .ok_or_else(|| {
                    LlmError::Config(format!(
                        "LLM_TEMPERATURE={raw:?} must be a number from 0 to 2 (0 is the most predictable)"
                    ))
                })?;
        }
        if let Some(raw) = get("LLM_TOOL_CHOICE") {
            config.tool_choice = ToolChoiceMode::parse(&raw)?;
        }
        if let Some(raw) = get("LLM_STREAM") {
            config.stream = match raw.to_ascii_lowercase().as_str() {
                "1" | "true" | "yes" | "on" => true,
                "0" | "false" | "no" | "off" => false,
                _ => {
                    return Err(LlmError::Config(format!(
                        "LLM_STREAM={raw:?} must be true or false"
                    )));
                }
            };
        }
        Ok(Some(config))
    }

    pub fn completions_url(&self) -> String {
        format!("{}/chat/completions", self.base_url)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn from(vars: &[(&str, &str)]) -> Result<Option<LlmConfig>> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        LlmConfig::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn unconfigured_is_none() {
        assert!(from(&[]).unwrap().is_none());
        assert!(from(&[("OPENAI_API_KEY", "sk-x")]).unwrap().is_none());
    }

    #[test]
    fn ollama_defaults_to_loopback_without_key() {
        let c = from(&[("LLM_PROVIDER", "ollama")]).unwrap().unwrap();
        assert_eq!(
            c.completions_url(),
            "http://127.0.0.1:11434/v1/chat/completions"
        );
        assert_eq!(c.model, "llama3.1");
        assert!(c.api_key.is_none());
    }

    #[test]
    fn provider_keys_and_overrides() {
        let c = from(&[("LLM_PROVIDER", "gemini"), ("GEMINI_API_KEY", "g-key")])
            .unwrap()
            .unwrap();
        assert_eq!(c.api_key.as_ref().unwrap().expose(), "g-key");
        assert!(c.base_url.contains("/v1beta/openai"));
        let c = from(&[
            ("LLM_PROVIDER", "openai"),
            ("OPENAI_API_KEY", "a"),
            ("LLM_API_KEY", "b"),
            ("LLM_MODEL", "m"),
        ])
        .unwrap()
        .unwrap();
        assert_eq!(c.api_key.as_ref().unwrap().expose(), "b");
        assert_eq!(c.model, "m");
        let c = from(&[
            ("LLM_BASE_URL", "http://127.0.0.1:9/v1/"),
            ("LLM_MODEL", "x"),
        ])
        .unwrap()
        .unwrap();
        assert_eq!(c.provider, Provider::OpenAiCompatible);
        assert_eq!(c.base_url, "http://127.0.0.1:9/v1");
    }

    #[test]
    fn bad_configs_say_what_to_set() {
        let e = from(&[("LLM_PROVIDER", "skynet")]).unwrap_err().to_string();
        assert!(e.contains("openai-compatible"), "{e}");
        let e = from(&[("LLM_PROVIDER", "openai")]).unwrap_err().to_string();
        assert!(e.contains("OPENAI_API_KEY"), "{e}");
        let e = from(&[("LLM_PROVIDER", "vllm")]).unwrap_err().to_string();
        assert!(e.contains("LLM_MODEL"), "{e}");
        let e = from(&[("LLM_BASE_URL", "ftp://x"), ("LLM_MODEL", "m")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("http://"), "{e}");
        let e = from(&[("LLM_PROVIDER", "ollama"), ("LLM_TIMEOUT_SECS", "soon")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("LLM_TIMEOUT_SECS"), "{e}");
    }

    #[test]
    fn generation_settings_have_defaults_and_checked_overrides() {
        let c = from(&[("LLM_PROVIDER", "llamacpp")]).unwrap().unwrap();
        assert_eq!(c.max_tokens, LlmConfig::DEFAULT_MAX_TOKENS);
        assert_eq!(c.temperature, LlmConfig::DEFAULT_TEMPERATURE);
        assert_eq!(c.tool_choice, ToolChoiceMode::Auto);
        assert!(c.stream);
        assert_eq!(c.turn_timeout, LlmConfig::DEFAULT_TURN_TIMEOUT);
        let c = from(&[
            ("LLM_PROVIDER", "llamacpp"),
            ("LLM_MAX_TOKENS", "64"),
            ("LLM_TEMPERATURE", "0"),
            ("LLM_TOOL_CHOICE", "omit"),
            ("LLM_STREAM", "false"),
            ("LLM_TIMEOUT_SECS", "100"),
        ])
        .unwrap()
        .unwrap();
        assert_eq!((c.max_tokens, c.temperature), (64, 0.0));
        assert_eq!(c.tool_choice, ToolChoiceMode::Omit);
        assert!(!c.stream);
        assert_eq!(c.turn_timeout, Duration::from_secs(200), "two requests fit");
        for (name, value) in [
            ("LLM_MAX_TOKENS", "0"),
            ("LLM_TEMPERATURE", "hot"),
            ("LLM_TOOL_CHOICE", "maybe"),
            ("LLM_STREAM", "perhaps"),
            ("LLM_TURN_TIMEOUT_SECS", "5"),
        ] {
            let e = from(&[("LLM_PROVIDER", "llamacpp"), (name, value)])
                .unwrap_err()
                .to_string();
            assert!(e.contains(name), "{name}: {e}");
        }
    }

    #[test]
    fn key_is_redacted_in_debug() {
        let c = from(&[
            ("LLM_PROVIDER", "openai"),
            ("OPENAI_API_KEY", "sk-secret-123"),
        ])
        .unwrap()
        .unwrap();
        assert!(!format!("{c:?}").contains("sk-secret-123"));
    }
}
