//! The LLM planner (agent loop over the typed operations); see `crate::agent`.
