//! Command-line flags, kubectl-style, plus kubectl-ai's so existing harnesses can
//! drive this tool unchanged.

use std::path::PathBuf;

use clap::builder::BoolishValueParser;
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
#[command(name = "kubectl-assist", version, verbatim_doc_comment)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Option<Command>,

    /// The request, in plain words. Without it: read stdin when piped, or start an
    /// interactive session in a terminal. Flags may come before or after it; `--`
    /// ends the flags (everything after it is the request).
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
    #[arg(short = 'A', long = "all-namespaces", global = true, num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "false", value_parser = BoolishValueParser::new())]
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
    #[arg(short = 'y', long, global = true, num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "false", value_parser = BoolishValueParser::new())]
    pub yes: bool,

    /// Send writes as server-side dry runs: validated, nothing changed.
    #[arg(long, global = true, num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "false", value_parser = BoolishValueParser::new())]
    pub dry_run: bool,

    /// Refuse every write.
    #[arg(long, global = true, env = "KUBECTL_ASSIST_READ_ONLY", num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "false", value_parser = BoolishValueParser::new())]
    pub read_only: bool,

    /// Apply the fixes that health/diagnose/optimize suggest (shown and confirmed first).
    #[arg(long, global = true, num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "false", value_parser = BoolishValueParser::new())]
    pub fix: bool,

    /// Audit log file (JSON lines).
    #[arg(long, global = true, env = "KUBECTL_ASSIST_AUDIT_LOG")]
    pub audit_log: Option<PathBuf>,

    /// Never use an LLM, even when one is configured.
    #[arg(long, global = true, num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "false", value_parser = BoolishValueParser::new())]
    pub offline: bool,

    /// Replace object names with placeholders in what is sent to the LLM.
    #[arg(long, global = true, num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "false", value_parser = BoolishValueParser::new())]
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
    #[arg(long, global = true, num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "false", value_parser = BoolishValueParser::new())]
    pub quiet: bool,

    /// kubectl-ai compatibility: the same as --yes.
    #[arg(long, global = true, num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "false", value_parser = BoolishValueParser::new())]
    pub skip_permissions: bool,

    /// kubectl-ai compatibility: print what each tool returned to the LLM.
    #[arg(long, global = true, num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "false", value_parser = BoolishValueParser::new())]
    pub show_tool_output: bool,

    /// kubectl-ai compatibility: accepted and ignored (kubectl-assist calls typed tools natively; there is no shim).
    #[arg(long = "enable-tool-use-shim", global = true, num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "false", value_parser = BoolishValueParser::new())]
    pub enable_tool_use_shim: bool,

    /// kubectl-ai compatibility: accepted; kubectl-assist's tools are built in, so no external MCP servers are used.
    #[arg(long = "mcp-client", global = true, num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "false", value_parser = BoolishValueParser::new())]
    pub mcp_client: bool,

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
    /// Serve the operations and analyzers over MCP (stdio, or streamable HTTP with
    /// --http); read-only unless --allow-writes.
    Mcp {
        /// Also offer the write tools. There is no one to confirm a plan over MCP, so a
        /// write a client calls runs at once (dry-run first, RBAC-checked, audited).
        #[arg(long)]
        allow_writes: bool,
        /// Serve streamable HTTP at http://ADDR/mcp instead of stdio. ADDR is PORT
        /// (on 127.0.0.1) or HOST:PORT. Needs a bearer token.
        #[arg(long, value_name = "ADDR")]
        http: Option<String>,
        /// File holding the bearer token HTTP clients must send (env KUBECTL_ASSIST_MCP_TOKEN).
        #[arg(long, value_name = "PATH")]
        token_file: Option<std::path::PathBuf>,
    },
    /// kubectl-style: list a kind, or show one object (any kind the server serves:
    /// `get pods`, `get hpa web`, `get crontabs.stable.example.com -o yaml`). When
    /// the first word is not a kind, the words are planned as a request.
    Get {
        /// A kind as kubectl names it (plural, singular, short name, `kind.group`), or `KIND/NAME`.
        resource: String,
        /// One object's name.
        name: Option<String>,
        /// Label selector.
        #[arg(short = 'l', long = "selector")]
        selector: Option<String>,
        /// Field selector, e.g. status.phase=Running.
        #[arg(long = "field-selector")]
        field_selector: Option<String>,
    },
    /// kubectl-style: apply a manifest with server-side apply (field manager
    /// kubectl-assist): the dry-run diff of every object is shown and confirmed first.
    Apply {
        /// The manifest file (YAML or JSON, several documents allowed); `-` reads stdin.
        #[arg(short = 'f', long = "filename", required = true)]
        filename: String,
    },
    /// kubectl-style: delete one object of any kind (shown with what goes with it,
    /// confirmed first). When the first word is not a kind, the words are a request.
    Delete {
        /// A kind as kubectl names it, or `KIND/NAME`.
        resource: String,
        name: Option<String>,
    },
    /// kubectl-style: patch one object of any kind (`--type merge|strategic|json`),
    /// shown as a dry-run diff and confirmed first. A JSON patch is checked before
    /// it is sent; a strategic patch is refused for custom resources.
    Patch {
        /// A kind as kubectl names it, or `KIND/NAME`.
        resource: String,
        name: Option<String>,
        /// The patch, as JSON.
        #[arg(short = 'p', long = "patch", required = true)]
        patch: String,
        #[arg(long = "type", value_enum, default_value = "merge")]
        patch_type: crate::ops::PatchType,
    },
    /// kubectl-style: one object of any kind in detail, with its events.
    Describe {
        /// A kind as kubectl names it, or `KIND/NAME`.
        resource: String,
        name: Option<String>,
    },
    /// Run the in-cluster agent: HTTP API, web console, approvals, scheduled
    /// checks and /metrics (see `kubectl-assist serve --help`).
    Serve(crate::serve::ServeArgs),
    /// Put back what an earlier write changed, from the undo journal beside the
    /// audit log: shown as a diff and confirmed like any write.
    Undo {
        /// The audit id of the write (printed after it ran, and in `audit -o json`), or "last".
        which: Option<String>,
    },
}

impl Cli {
    /// Parse the process arguments with flags anywhere (see [`arrange`]); exits
    /// with clap's message on bad flags, like `Cli::parse`.
    pub fn parse_anywhere() -> Self {
        Self::parse_anywhere_from(std::env::args_os()).unwrap_or_else(|e| e.exit())
    }

    /// [`Cli::parse_anywhere`] over given arguments (the first is the program name).
    pub fn parse_anywhere_from<I, T>(args: I) -> Result<Self, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString>,
    {
        let args: Vec<String> = args
            .into_iter()
            .map(|a| a.into().to_string_lossy().into_owned())
            .collect();
        Self::try_parse_from(arrange(&Self::command(), &args))
    }
}

use clap::CommandFactory;

/// Whether a token is a flag (not a word of the request such as "-1").
fn is_flag(tok: &str) -> bool {
    tok.len() > 1
        && tok.starts_with('-')
        && !tok[1..].starts_with(|c: char| c.is_ascii_digit() || c == '.')
}

/// Does this flag of `cmd` (given as written, `--namespace`, `-n`, `-ntodo`,
/// `--output=json`) take the next token as its value?
fn takes_next(cmd: &clap::Command, tok: &str) -> bool {
    let takes = |a: &clap::Arg| {
        a.get_action().takes_values()
            && !a.is_require_equals_set()
            && a.get_num_args().is_none_or(|n| n.min_values() > 0)
    };
    if let Some(long) = tok.strip_prefix("--") {
        if long.contains('=') {
            return false;
        }
        return cmd
            .get_arguments()
            .find(|a| {
                a.get_long() == Some(long)
                    || a.get_all_aliases().is_some_and(|al| al.contains(&long))
            })
            .is_some_and(takes);
    }
    // A short cluster: "-n" takes the next token, "-ntodo" carries its value.
    let mut chars = tok[1..].chars();
    while let Some(c) = chars.next() {
        if let Some(a) = cmd.get_arguments().find(|a| a.get_short() == Some(c))
            && takes(a)
        {
            return chars.as_str().is_empty();
        }
    }
    false
}

/// Count the positional words after a subcommand name, skipping its flags and
/// their values; `None` when a `--` or an unknown token shape makes it not a call
/// of the subcommand.
fn positional_count(sub: &clap::Command, global: &clap::Command, rest: &[String]) -> usize {
    let mut n = 0;
    let mut i = 0;
    while i < rest.len() {
        let tok = &rest[i];
        if tok == "--" {
            return n + rest.len() - i - 1;
        }
        if is_flag(tok) {
            if takes_next(sub, tok) || takes_next(global, tok) {
                i += 1;
            }
        } else {
            n += 1;
        }
        i += 1;
    }
    n
}

/// Reorder the arguments so that flags work anywhere: global flags (and their
/// values) move before the request, and the request's words follow a `--`, so a
/// word of the request is never read as a flag nor a flag as a word. A first word
/// naming a subcommand is that subcommand only when the words after it fit its
/// arguments ("health" is the subcommand; "health of the todo namespace" is a
/// request), so no request is turned away for starting with a subcommand's name.
pub fn arrange(cmd: &clap::Command, args: &[String]) -> Vec<String> {
    let Some((program, rest)) = args.split_first() else {
        return args.to_vec();
    };
    let mut flags: Vec<String> = Vec::new();
    let mut words: Vec<String> = Vec::new();
    let mut i = 0;
    while i < rest.len() {
        let tok = &rest[i];
        if tok == "--" {
            words.extend(rest[i + 1..].iter().cloned());
            break;
        }
        if is_flag(tok) {
            flags.push(tok.clone());
            if takes_next(cmd, tok)
                && let Some(v) = rest.get(i + 1)
            {
                flags.push(v.clone());
                i += 1;
            }
            i += 1;
            continue;
        }
        if words.is_empty()
            && let Some(sub) = cmd.find_subcommand(tok)
        {
            let tail = &rest[i + 1..];
            let max: usize = sub
                .get_positionals()
                .map(|a| a.get_num_args().map_or(1, |n| n.max_values()))
                .sum();
            if positional_count(sub, cmd, tail) <= max {
                let mut out = vec![program.clone()];
                out.extend(flags);
                out.extend(rest[i..].iter().cloned());
                return out;
            }
        }
        words.push(tok.clone());
        i += 1;
    }
    let mut out = vec![program.clone()];
    out.extend(flags);
    if !words.is_empty() {
        out.push("--".into());
        out.extend(words);
    }
    out
}
