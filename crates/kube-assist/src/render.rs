//! Text output: findings reports and plans.

use crate::analyze::{Finding, Severity};
use crate::ops::{Access, Operation};

/// Findings, worst first, each with cause, evidence, advice and fix commands.
pub fn findings_report(findings: &[Finding], headline: &str) -> String {
    let mut out = format!("{headline}\n");
    if findings.is_empty() {
        out.push_str("No problems found.\n");
        return out;
    }
    let count = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
    out.push_str(&format!(
        "{} critical, {} warning, {} info\n\n",
        count(Severity::Critical),
        count(Severity::Warning),
        count(Severity::Info)
    ));
    for f in findings {
        let sev = match f.severity {
            Severity::Critical => "CRITICAL",
            Severity::Warning => "WARNING ",
            Severity::Info => "INFO    ",
        };
        out.push_str(&format!("{sev} {} [{}]: {}\n", f.object, f.reason, f.cause));
        for e in &f.evidence {
            out.push_str(&format!("         evidence: {e}\n"));
        }
        if let Some(a) = &f.advice {
            out.push_str(&format!("         what to do: {a}\n"));
        }
        for op in &f.fix {
            out.push_str(&format!("         fix: {}\n", op.kubectl()));
        }
        match (&f.fix_note, f.fix.is_empty()) {
            (Some(why), false) => out.push_str(&format!("         because: {why}\n")),
            (Some(why), true) => out.push_str(&format!("         no safe fix: {why}\n")),
            (None, _) => {}
        }
    }
    out
}

/// A numbered plan, writes marked, as shown before confirmation.
pub fn plan(steps: &[Operation]) -> String {
    let mut out = String::from("Plan:\n");
    for (i, op) in steps.iter().enumerate() {
        let mark = if op.is_destructive() {
            "DESTRUCTIVE write"
        } else if op.access() == Access::Write {
            "write"
        } else {
            "read "
        };
        out.push_str(&format!("  {}. [{mark}] {}\n", i + 1, op.kubectl()));
        if let Operation::Scale(s) = op
            && op.is_destructive()
        {
            out.push_str(&format!(
                "     this scales {} to 0: every pod stops and it serves nothing until scaled up again\n",
                s.target.display()
            ));
        }
    }
    out
}
