//! What a run reports and how it talks to the operator: the output format, the
//! outcome (exit code), the report of each step, and the prompt on stdin.

use std::io::IsTerminal;

use serde::Serialize;
use tokio::io::{AsyncBufReadExt, BufReader, Lines, Stdin};

use crate::ops::{ObjectChange, OpOutput, Operation};
use crate::safety::Decision;

/// `-o text|json|yaml|wide`: `json` is the whole report; `yaml` and `wide` are
/// text where reads show whole objects or the server's extra columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum OutputFormat {
    #[default]
    Text,
    Json,
    Yaml,
    Wide,
}

impl OutputFormat {
    /// How reads show objects under this format.
    pub fn listing(self) -> crate::ops::Listing {
        match self {
            OutputFormat::Yaml => crate::ops::Listing::Yaml,
            OutputFormat::Wide => crate::ops::Listing::Wide,
            OutputFormat::Text | OutputFormat::Json => crate::ops::Listing::Table,
        }
    }
}

/// How a request ended, as the process exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Done,
    Failed,
    NotUnderstood,
    Refused,
}

impl Outcome {
    pub fn exit_code(self) -> i32 {
        match self {
            Outcome::Done => 0,
            Outcome::Failed => 1,
            Outcome::NotUnderstood => 2,
            Outcome::Refused => 3,
        }
    }
}

/// One executed (or skipped) step of a report.
#[derive(Debug, Clone, Serialize)]
pub struct StepReport {
    pub kubectl: String,
    pub operation: Operation,
    pub ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<OpOutput>,
    pub duration_ms: u64,
}

/// Everything about one request, printed as JSON with `-o json`.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub request: String,
    pub planner: &'static str,
    pub plan: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision: Option<Decision>,
    pub steps: Vec<StepReport>,
    /// Each object the plan's writes change, with its diff (from a server dry run).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<ObjectChange>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    pub outcome: Outcome,
}

/// Reads answers from stdin when it is a terminal.
pub struct Prompt {
    lines: Lines<BufReader<Stdin>>,
    pub interactive: bool,
}

impl Default for Prompt {
    fn default() -> Self {
        Self::new()
    }
}

impl Prompt {
    pub fn new() -> Self {
        Self {
            lines: BufReader::new(tokio::io::stdin()).lines(),
            interactive: std::io::stdin().is_terminal(),
        }
    }

    /// Print `prompt` on stderr and read one line; `None` at end of input.
    pub async fn line(&mut self, prompt: &str) -> Option<String> {
        eprint!("{prompt}");
        self.lines.next_line().await.ok().flatten()
    }

    /// Read all of stdin (a request piped in).
    pub async fn read_all(&mut self) -> String {
        let mut out = Vec::new();
        while let Ok(Some(l)) = self.lines.next_line().await {
            out.push(l);
        }
        out.join("\n")
    }

    pub(super) async fn yes(&mut self, question: &str) -> bool {
        matches!(
            self.line(question)
                .await
                .as_deref()
                .map(str::trim)
                .map(str::to_lowercase)
                .as_deref(),
            Some("y" | "yes")
        )
    }
}
