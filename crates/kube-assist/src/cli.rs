//! Command-line flags, kubectl-style, plus kubectl-ai's so existing harnesses can
//! drive this tool unchanged.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::session::OutputFormat;

/// Plain-language Kubernetes operations: plans typed operations, asks before it
/// changes anything, runs them through the Kubernetes API, and logs every one.
///
/// Examples:
///   kubectl-assist "scale the frontend to 2 replicas"
///   kubectl-assist health
///   kubectl-assist diagnose backend
///   echo "why are the pods failing?" | kubectl-assist -o json
#[derive(Debug, Parser)]
#[command(
    name = "kubectl-assist",
    version,
    subcommand_precedence_over_arg = true,
    verbatim_doc_comment
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Option<Command>,

    /// The request, in plain words. Without it: read stdin when piped, or start an
    /// interactive session in a terminal.
    #[arg(trailing_var_arg = true)]
    pub request: Vec<String>,
}

#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// Path to the kubeconfig file (default: $KUBECONFIG, which may list several files, else ~/.kube/config).
    #[arg(long, global = true)]
    pub kubeconfig: Option<PathBuf>,

    /// The kubeconfig context to use.
    #[arg(long, global = true)]
    pub context: Option<String>,

    /// Namespace to work in (default: look across all namespaces).
    #[arg(short = 'n', long, global = true)]
    pub namespace: Option<String>,

    /// Look across all namespaces (the default when -n is not given).
    #[arg(short = 'A', long = "all-namespaces", global = true)]
    pub all_namespaces: bool,

    /// Output format.
    #[arg(
        short = 'o',
        long = "output",
        global = true,
        value_enum,
        default_value = "text"
    )]
    pub output: OutputFormat,

    /// Approve writes without asking.
    #[arg(short = 'y', long, global = true)]
    pub yes: bool,

    /// Send writes as server-side dry runs: validated, nothing changed.
    #[arg(long, global = true)]
    pub dry_run: bool,

    /// Refuse every write.
    #[arg(long, global = true, env = "KUBECTL_ASSIST_READ_ONLY")]
    pub read_only: bool,

    /// Apply the fixes that health/diagnose/optimize suggest (shown and confirmed first).
    #[arg(long, global = true)]
    pub fix: bool,

    /// Audit log file (JSON lines).
    #[arg(long, global = true, env = "KUBECTL_ASSIST_AUDIT_LOG")]
    pub audit_log: Option<PathBuf>,

    /// Never use an LLM, even when one is configured.
    #[arg(long, global = true)]
    pub offline: bool,

    /// Replace object names with placeholders in what is sent to the LLM.
    #[arg(long, global = true)]
    pub anonymize: bool,

    /// Most LLM calls per request.
    #[arg(long, global = true, default_value_t = 8)]
    pub max_steps: usize,

    /// kubectl-ai compatibility: the LLM provider (sets LLM_PROVIDER).
    #[arg(long, global = true)]
    pub llm_provider: Option<String>,

    /// kubectl-ai compatibility: the model (sets LLM_MODEL).
    #[arg(long, global = true)]
    pub model: Option<String>,

    /// kubectl-ai compatibility: run non-interactively (no session, no spinner).
    #[arg(long, global = true)]
    pub quiet: bool,

    /// kubectl-ai compatibility: the same as --yes.
    #[arg(long, global = true)]
    pub skip_permissions: bool,

    /// kubectl-ai compatibility: print what each tool returned to the LLM.
    #[arg(long, global = true)]
    pub show_tool_output: bool,

    /// kubectl-ai compatibility: append the LLM conversation to this file.
    #[arg(long, global = true)]
    pub trace_path: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run every analyzer and report findings.
    Health,
    /// Explain why something (or anything) is failing.
    Diagnose {
        /// A workload, pod or service, e.g. "backend" or "pod/web-1".
        target: Option<String>,
    },
    /// Recommend requests/limits from observed usage.
    Optimize {
        /// Limit to one workload.
        target: Option<String>,
    },
    /// Show the audit log as a table.
    Audit {
        /// Only the last N entries.
        #[arg(long)]
        tail: Option<usize>,
    },
    /// Serve the read-only operations and analyzers over MCP (stdio).
    Mcp,
}
