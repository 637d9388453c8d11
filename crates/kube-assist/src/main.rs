//! `kubectl-assist`: see `kube_assist::cli` for the flags.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;

use kube_assist::audit::{self, AuditLog};
use kube_assist::cli::{Cli, Command};
use kube_assist::connect::connect;
use kube_assist::ops::discovery::typed_kind;
use kube_assist::ops::{
    ApplyOp, DeleteOp, DescribeOp, DiagnoseOp, ExecOptions, Executor, GetOp, HealthOp, Kind,
    ListOp, Operation, OptimizeOp, RestoreOp, Target,
};
use kube_assist::planner::PlanContext;
use kube_assist::planner::llm::{LlmPlanner, LlmSettings};
use kube_assist::resolve::Resolver;
use kube_assist::safety::Policy;
use kube_assist::session::{Outcome, OutputFormat, Prompt, Report, Runner, Settings};

fn init_tracing(serving: bool) {
    // The server logs its start and problems; the CLI only its warnings.
    let default = if serving { "info" } else { "warn" };
    let filter = tracing_subscriber::EnvFilter::try_from_env("RUST_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false);
    if std::env::var("LOG_FORMAT").is_ok_and(|v| v == "json") {
        builder.json().init();
    } else {
        builder.without_time().init();
    }
}

/// "pod/web-1" or "backend" as a target.
fn parse_target(raw: &str) -> Target {
    if let Some((k, n)) = raw.split_once('/') {
        let kind = serde_json::from_value::<Kind>(serde_json::Value::String(k.to_lowercase()))
            .ok()
            .or(match k {
                "deploy" => Some(Kind::Deployment),
                "svc" => Some(Kind::Service),
                "po" => Some(Kind::Pod),
                "pvc" => Some(Kind::PersistentVolumeClaim),
                _ => None,
            });
        return Target::named(kind, n);
    }
    Target::named(None, raw)
}

/// The operation of a kubectl-style command (`get hpa web`), when its first word
/// is a kind (typed, or one discovery knows); `None` when it is not.
async fn kubectl_style(
    runner: &Runner,
    resource: &str,
    name: Option<&str>,
    op: impl FnOnce(Target) -> Operation,
) -> Option<Operation> {
    let (word, name) = match resource.split_once('/') {
        Some((k, n)) => (k, Some(n)),
        None => (resource, name),
    };
    let known = match typed_kind(word) {
        Some(_) => true,
        None => runner.resolver.resource_info(word).await.is_ok(),
    };
    known.then(|| {
        op(Target {
            kind: None,
            name: name.map(str::to_string),
            namespace: None,
            resource: Some(word.to_string()),
        })
    })
}

fn llm_planner(cli: &Cli) -> Option<LlmPlanner> {
    let g = &cli.global;
    if g.offline {
        return None;
    }
    let lookup = |name: &str| -> Option<String> {
        match name {
            "LLM_PROVIDER" if g.llm_provider.is_some() => g.llm_provider.clone(),
            "LLM_MODEL" if g.model.is_some() => g.model.clone(),
            other => std::env::var(other).ok(),
        }
    };
    match llm::LlmConfig::from_lookup(lookup) {
        Ok(Some(config)) => match llm::LlmClient::new(config) {
            Ok(client) => Some(LlmPlanner::new(
                Arc::new(client),
                LlmSettings {
                    max_steps: g.max_steps.clamp(1, 50),
                    anonymize: g.anonymize,
                    trace_path: g.trace_path.clone(),
                    ..Default::default()
                },
            )),
            Err(e) => {
                eprintln!("kubectl-assist: no LLM ({e}); planning offline");
                None
            }
        },
        Ok(None) => None,
        Err(e) => {
            // Not an error: a harness may name a provider without a key.
            eprintln!("kubectl-assist: no LLM ({e}); planning offline");
            None
        }
    }
}

fn finish(report: &Report, format: OutputFormat) -> Outcome {
    if format == OutputFormat::Json {
        Runner::print_json(report);
    }
    report.outcome
}

async fn run(cli: Cli) -> Result<Outcome, kube_assist::AssistError> {
    let g = cli.global.clone();
    let audit = AuditLog::new(g.audit_log.clone().unwrap_or_else(AuditLog::default_path));
    if let Some(Command::Audit { tail }) = &cli.command {
        let mut records = audit.read()?;
        if let Some(n) = tail {
            let skip = records.len().saturating_sub(*n);
            records.drain(..skip);
        }
        let text = match g.output {
            OutputFormat::Json => serde_json::to_string_pretty(&records).unwrap_or_default() + "\n",
            _ => audit::render_table(&records),
        };
        // A closed pipe (`| head`) is not worth a panic.
        let _ = std::io::stdout().lock().write_all(text.as_bytes());
        return Ok(Outcome::Done);
    }
    if let Some(Command::Serve(args)) = &cli.command {
        kube_assist::serve::run(args.clone(), &g).await?;
        return Ok(Outcome::Done);
    }
    let conn = connect(g.kubeconfig.clone(), g.context.clone()).await?;
    let namespace = if g.all_namespaces {
        None
    } else {
        g.namespace.clone()
    };
    if let Some(Command::Mcp {
        allow_writes,
        http,
        token_file,
    }) = &cli.command
    {
        // Token and address are checked before anything is served.
        let listen = match http {
            Some(addr) => Some((
                kube_assist::mcp::http::listen_addr(addr)?,
                kube_assist::mcp::http::BearerToken::from_file_or_env(token_file.as_deref())?,
            )),
            None => None,
        };
        let server = kube_assist::mcp::McpServer {
            exec: Executor::new(
                conn.client.clone(),
                ExecOptions {
                    dry_run: g.dry_run,
                    progress: false,
                    listing: g.output.listing(),
                },
            ),
            resolver: Resolver::new(conn.client.clone(), namespace),
            allow_writes: *allow_writes && !g.read_only,
            audit,
            identity: conn.identity,
            write_queue: None,
        };
        match listen {
            Some((addr, token)) => kube_assist::mcp::http::serve(server, addr, token).await?,
            None => server.serve_stdio().await?,
        }
        return Ok(Outcome::Done);
    }
    let prompt = Prompt::new();
    let interactive = prompt.interactive && !g.quiet;
    let exec = Executor::new(
        conn.client.clone(),
        ExecOptions {
            dry_run: g.dry_run,
            progress: !g.quiet && g.output == OutputFormat::Text,
            listing: g.output.listing(),
        },
    );
    let resolver = Resolver::new(conn.client.clone(), namespace.clone());
    let settings = Settings {
        policy: Policy {
            yes: g.yes || g.skip_permissions,
            read_only: g.read_only,
            dry_run: g.dry_run,
            can_ask: interactive,
        },
        format: g.output,
        apply_fixes: g.fix,
        show_tool_output: g.show_tool_output,
        offline_only: g.offline,
    };
    let llm = llm_planner(&cli);
    let mut runner = Runner::new(exec, resolver, audit, conn.identity, settings, prompt, llm);
    let mut ctx = PlanContext::default();
    if let Some(Command::Undo { which }) = &cli.command {
        let which = which.as_deref().unwrap_or("last");
        let entries = runner.journal().find_all(which)?;
        let id = entries.first().map(|e| e.id.clone()).unwrap_or_default();
        // Newest first: what was written last is put back first.
        let ops: Vec<Operation> = entries
            .into_iter()
            .rev()
            .map(|entry| match entry.before {
                Some(before) => Operation::Restore(RestoreOp {
                    target: entry.target,
                    object: before,
                    journal_id: Some(entry.id.clone()),
                }),
                // The write created it: undoing it deletes it.
                None => Operation::Delete(DeleteOp {
                    target: entry.target,
                }),
            })
            .collect();
        let report = runner
            .handle_operations(&format!("undo {id}"), ops, &mut ctx)
            .await;
        return Ok(finish(&report, g.output));
    }
    let direct = match &cli.command {
        Some(Command::Health) => Some((
            "health".to_string(),
            Operation::Health(HealthOp {
                namespace: namespace.clone(),
            }),
        )),
        Some(Command::Diagnose { target }) => Some((
            format!("diagnose {}", target.as_deref().unwrap_or(""))
                .trim()
                .to_string(),
            Operation::Diagnose(DiagnoseOp {
                target: target.as_deref().map(parse_target),
                namespace: namespace.clone(),
            }),
        )),
        Some(Command::Optimize { target }) => Some((
            format!("optimize {}", target.as_deref().unwrap_or(""))
                .trim()
                .to_string(),
            Operation::Optimize(OptimizeOp {
                target: target.as_deref().map(parse_target),
                namespace: namespace.clone(),
            }),
        )),
        _ => None,
    };
    let direct = match (direct, &cli.command) {
        (Some(d), _) => Some(d),
        (
            None,
            Some(Command::Get {
                resource,
                name,
                selector,
                field_selector,
            }),
        ) => kubectl_style(&runner, resource, name.as_deref(), |target| {
            match target.name {
                Some(_) => Operation::Get(GetOp { target }),
                None => Operation::List(ListOp {
                    kind: target.kind.unwrap_or(Kind::Pod),
                    resource: target.resource,
                    namespace: namespace.clone(),
                    selector: selector.clone(),
                    field_selector: field_selector.clone(),
                }),
            }
        })
        .await
        .map(|op| {
            (
                format!("get {resource} {}", name.as_deref().unwrap_or(""))
                    .trim()
                    .to_string(),
                op,
            )
        }),
        (None, Some(Command::Apply { filename })) => {
            let manifest = if filename == "-" {
                runner.prompt.read_all().await
            } else {
                std::fs::read_to_string(filename).map_err(|e| {
                    kube_assist::AssistError::Invalid(format!("cannot read {filename}: {e}"))
                })?
            };
            Some((
                format!("apply -f {filename}"),
                Operation::Apply(ApplyOp {
                    manifest,
                    namespace: namespace.clone(),
                }),
            ))
        }
        (None, Some(Command::Delete { resource, name })) => {
            kubectl_style(&runner, resource, name.as_deref(), |target| {
                Operation::Delete(DeleteOp { target })
            })
            .await
            .map(|op| {
                (
                    format!("delete {resource} {}", name.as_deref().unwrap_or(""))
                        .trim()
                        .to_string(),
                    op,
                )
            })
        }
        (None, Some(Command::Describe { resource, name })) => {
            kubectl_style(&runner, resource, name.as_deref(), |target| {
                Operation::Describe(DescribeOp { target })
            })
            .await
            .map(|op| {
                (
                    format!("describe {resource} {}", name.as_deref().unwrap_or(""))
                        .trim()
                        .to_string(),
                    op,
                )
            })
        }
        _ => None,
    };
    if direct.is_none()
        && let Some(Command::Get { resource, name, .. } | Command::Describe { resource, name }) =
            &cli.command
    {
        // Not a kind: the words are a request ("describe backend").
        let verb = if matches!(cli.command, Some(Command::Get { .. })) {
            "get"
        } else {
            "describe"
        };
        let request = format!("{verb} {resource} {}", name.as_deref().unwrap_or(""));
        let report = runner.handle(request.trim(), &mut ctx).await;
        return Ok(finish(&report, g.output));
    }
    if let Some((label, op)) = direct {
        let report = runner.handle_operations(&label, vec![op], &mut ctx).await;
        return Ok(finish(&report, g.output));
    }
    let mut request = cli.request.join(" ");
    if request.trim().is_empty() && !std::io::stdin().is_terminal() {
        request = runner.prompt.read_all().await;
    }
    if !request.trim().is_empty() {
        let report = runner.handle(&request, &mut ctx).await;
        return Ok(finish(&report, g.output));
    }
    if !interactive {
        return Err(kube_assist::AssistError::Invalid(
            "no request given: pass one as an argument (kubectl-assist \"scale the frontend to 2 replicas\") or on stdin".into(),
        ));
    }
    eprintln!(
        "kubectl-assist: ask in plain words; \"history\" lists earlier requests, \"exit\" leaves."
    );
    let mut history: Vec<String> = Vec::new();
    let mut last = Outcome::Done;
    while let Some(line) = runner.prompt.line("kubectl-assist> ").await {
        let line = line.trim().to_string();
        match line.as_str() {
            "" => continue,
            "exit" | "quit" | "q" => break,
            "history" => {
                for (i, h) in history.iter().enumerate() {
                    let _ = writeln!(std::io::stdout().lock(), "{:>3}  {h}", i + 1);
                }
                continue;
            }
            _ => {}
        }
        history.push(line.clone());
        let report = runner.handle(&line, &mut ctx).await;
        last = finish(&report, g.output);
    }
    Ok(last)
}

fn main() -> ExitCode {
    let cli = Cli::parse_anywhere();
    init_tracing(matches!(cli.command, Some(Command::Serve(_))));
    // Two worker threads: the CLI waits on the network, and a small runtime starts fast.
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("kubectl-assist: cannot start: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(outcome) => ExitCode::from(outcome.exit_code() as u8),
        Err(e) => {
            eprintln!("kubectl-assist: {e}");
            ExitCode::from(1)
        }
    }
}
