//! Flags anywhere: every global flag works before and after the request, `--`
//! ends the flags, bool flags also take `=true|false`, and kubectl-ai's harness
//! argv parses exactly as its benchmark passes it.

use kube_assist::cli::{Cli, Command, GlobalArgs};
use kube_assist::session::OutputFormat;

fn parse(args: &[&str]) -> Cli {
    let mut argv = vec!["kubectl-assist"];
    argv.extend_from_slice(args);
    Cli::parse_anywhere_from(argv).unwrap_or_else(|e| panic!("{args:?}: {e}"))
}

type Check = fn(&GlobalArgs) -> bool;

/// Every global flag with the arguments that set it and how to see it was set.
fn every_global_flag() -> Vec<(&'static [&'static str], Check)> {
    vec![
        (&["--kubeconfig", "/tmp/k"], |g| {
            g.kubeconfig.as_deref() == Some("/tmp/k".as_ref())
        }),
        (&["--kubeconfig=/tmp/k"], |g| {
            g.kubeconfig.as_deref() == Some("/tmp/k".as_ref())
        }),
        (&["--context", "c1"], |g| g.context.as_deref() == Some("c1")),
        (&["-n", "todo"], |g| g.namespace.as_deref() == Some("todo")),
        (&["--namespace", "todo"], |g| {
            g.namespace.as_deref() == Some("todo")
        }),
        (&["--namespace=todo"], |g| {
            g.namespace.as_deref() == Some("todo")
        }),
        (&["-ntodo"], |g| g.namespace.as_deref() == Some("todo")),
        (&["-A"], |g| g.all_namespaces),
        (&["--all-namespaces"], |g| g.all_namespaces),
        (&["-o", "json"], |g| g.output == OutputFormat::Json),
        (&["--output=json"], |g| g.output == OutputFormat::Json),
        (&["-y"], |g| g.yes),
        (&["--yes"], |g| g.yes),
        (&["--yes=true"], |g| g.yes),
        (&["--dry-run"], |g| g.dry_run),
        (&["--dry-run=true"], |g| g.dry_run),
        (&["--read-only"], |g| g.read_only),
        (&["--read-only=true"], |g| g.read_only),
        (&["--fix"], |g| g.fix),
        (&["--audit-log", "/tmp/a.jsonl"], |g| {
            g.audit_log.as_deref() == Some("/tmp/a.jsonl".as_ref())
        }),
        (&["--offline"], |g| g.offline),
        (&["--anonymize"], |g| g.anonymize),
        (&["--max-steps", "3"], |g| g.max_steps == 3),
        (&["--llm-provider", "gemini"], |g| {
            g.llm_provider.as_deref() == Some("gemini")
        }),
        (&["--model", "m1"], |g| g.model.as_deref() == Some("m1")),
        (&["--quiet"], |g| g.quiet),
        (&["--quiet=true"], |g| g.quiet),
        (&["--skip-permissions"], |g| g.skip_permissions),
        (&["--skip-permissions=true"], |g| g.skip_permissions),
        (&["--show-tool-output"], |g| g.show_tool_output),
        (&["--trace-path", "/tmp/t"], |g| {
            g.trace_path.as_deref() == Some("/tmp/t".as_ref())
        }),
        (&["--enable-tool-use-shim"], |g| g.enable_tool_use_shim),
        (&["--enable-tool-use-shim=true"], |g| g.enable_tool_use_shim),
        (&["--mcp-client"], |g| g.mcp_client),
    ]
}

#[test]
fn every_global_flag_works_before_and_after_the_request() {
    let request = ["scale", "web", "to", "2"];
    for (flag, check) in every_global_flag() {
        let mut before: Vec<&str> = flag.to_vec();
        before.extend(request);
        let mut after: Vec<&str> = request.to_vec();
        after.extend_from_slice(flag);
        let mut quoted_after = vec!["scale web to 2"];
        quoted_after.extend_from_slice(flag);
        for args in [&before, &after, &quoted_after] {
            let cli = parse(args);
            assert!(
                check(&cli.global),
                "{args:?} did not set the flag: {:?}",
                cli.global
            );
            assert_eq!(cli.request.join(" "), "scale web to 2", "{args:?}");
            assert!(cli.command.is_none(), "{args:?}");
        }
    }
}

#[test]
fn every_global_flag_works_before_and_after_a_subcommand() {
    for (flag, check) in every_global_flag() {
        let mut before: Vec<&str> = flag.to_vec();
        before.extend(["diagnose", "backend"]);
        let mut after = vec!["diagnose", "backend"];
        after.extend_from_slice(flag);
        for args in [&before, &after] {
            let cli = parse(args);
            assert!(check(&cli.global), "{args:?}: {:?}", cli.global);
            assert!(
                matches!(&cli.command, Some(Command::Diagnose { target: Some(t) }) if t == "backend"),
                "{args:?}: {:?}",
                cli.command
            );
        }
    }
}

#[test]
fn bool_flags_can_be_turned_off_explicitly() {
    let cli = parse(&[
        "--yes=false",
        "--quiet=false",
        "--dry-run=false",
        "restart web",
    ]);
    assert!(!cli.global.yes && !cli.global.quiet && !cli.global.dry_run);
    let err = Cli::parse_anywhere_from(["kubectl-assist", "--yes=maybe", "x"]).unwrap_err();
    assert!(err.to_string().contains("maybe"), "{err}");
}

#[test]
fn double_dash_ends_the_flags() {
    let cli = parse(&["--yes", "--", "scale", "web", "by", "-1", "--dry-run"]);
    assert!(cli.global.yes && !cli.global.dry_run);
    assert_eq!(cli.request.join(" "), "scale web by -1 --dry-run");
    // A negative number is a word, not a flag.
    let cli = parse(&["scale", "web", "by", "-1"]);
    assert_eq!(cli.request.join(" "), "scale web by -1");
}

#[test]
fn a_request_may_start_with_a_subcommand_name() {
    let cli = parse(&["health", "-n", "todo"]);
    assert!(matches!(cli.command, Some(Command::Health)));
    assert_eq!(cli.global.namespace.as_deref(), Some("todo"));
    let cli = parse(&["health", "of", "the", "todo", "namespace"]);
    assert!(cli.command.is_none());
    assert_eq!(cli.request.join(" "), "health of the todo namespace");
    let cli = parse(&["diagnose the crashing backend", "--dry-run"]);
    assert!(
        cli.command.is_none() && cli.global.dry_run,
        "a quoted request is words"
    );
    let cli = parse(&["diagnose", "the", "crashing", "backend"]);
    assert!(cli.command.is_none(), "{:?}", cli.command);
    let cli = parse(&["check", "the", "cluster", "health"]);
    assert!(cli.command.is_none());
    assert_eq!(cli.request.join(" "), "check the cluster health");
    let cli = parse(&["audit", "--tail", "1", "-o", "json"]);
    assert!(matches!(
        cli.command,
        Some(Command::Audit { tail: Some(1) })
    ));
}

#[test]
fn unknown_flags_are_errors_that_name_them() {
    let err =
        Cli::parse_anywhere_from(["kubectl-assist", "restart web", "--frobnicate"]).unwrap_err();
    assert!(err.to_string().contains("--frobnicate"), "{err}");
}

#[test]
fn kubectl_ai_harness_argv_parses_exactly() {
    let cli = parse(&[
        "--kubeconfig",
        "/tmp/kc",
        "--llm-provider",
        "gemini",
        "--enable-tool-use-shim=false",
        "--quiet=true",
        "--model",
        "gemini-2.5-flash",
        "--trace-path",
        "/tmp/trace.log",
        "--skip-permissions",
        "--show-tool-output",
        "--mcp-client",
    ]);
    let g = &cli.global;
    assert!(g.quiet && g.skip_permissions && g.show_tool_output && g.mcp_client);
    assert!(!g.enable_tool_use_shim);
    assert_eq!(g.llm_provider.as_deref(), Some("gemini"));
    assert_eq!(g.model.as_deref(), Some("gemini-2.5-flash"));
    assert!(cli.request.is_empty() && cli.command.is_none());
}
