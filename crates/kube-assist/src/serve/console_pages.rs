//! The console's HTML, written out in code (every value escaped by [`esc`]). No
//! inline script or style: the CSP forbids them.

use std::fmt::Write;

use super::approvals::{PlanRecord, PlanState};
use super::auth::Role;
use super::console::{CSS_PATH, HTMX_PATH, Visitor};
use super::trail::TrailLine;
use crate::analyze::{Finding, Severity};

/// Text made safe for HTML content and attribute values.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The page around `body`. htmx boosts links and forms when it runs; without
/// it they are ordinary navigations.
fn layout(title: &str, visitor: Option<&Visitor>, body: &str) -> String {
    let nav = match visitor {
        Some(v) => format!(
            "<nav><a href=\"/\">Chat</a><a href=\"/console/health\">Health</a><a href=\"/console/audit\">Audit</a></nav>\
             <span class=\"muted\" id=\"who\">{} ({})</span>\
             <form method=\"post\" action=\"/console/logout\"><input type=\"hidden\" name=\"csrf\" value=\"{}\"><button class=\"secondary\" type=\"submit\">Sign out</button></form>",
            esc(&v.caller.name),
            v.caller.role.as_str(),
            esc(&v.csrf)
        ),
        None => String::new(),
    };
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"htmx-config\" content='{{\"includeIndicatorStyles\":false,\"allowEval\":false,\"allowScriptTags\":false,\"selfRequestsOnly\":true,\"historyCacheSize\":0,\"responseHandling\":[{{\"code\":\"204\",\"swap\":false}},{{\"code\":\"[23]..\",\"swap\":true}},{{\"code\":\"[45]..\",\"swap\":true,\"error\":true}}]}}'>\
         <title>{} · kubectl-assist</title><link rel=\"stylesheet\" href=\"{CSS_PATH}\"><script src=\"{HTMX_PATH}\" defer></script></head>\
         <body hx-boost=\"true\"><header><strong>kubectl-assist</strong>{nav}</header><main>{body}</main></body></html>\n",
        esc(title)
    )
}

pub fn login(error: Option<&str>) -> String {
    let error = error
        .map(|e| format!("<p class=\"error\" role=\"alert\">{}</p>", esc(e)))
        .unwrap_or_default();
    layout(
        "Sign in",
        None,
        &format!(
            "<section><h1>Sign in</h1>{error}<form method=\"post\" action=\"/console/login\">\
             <label for=\"token\">Your token</label><input type=\"password\" id=\"token\" name=\"token\" autocomplete=\"off\" required>\
             <div class=\"actions\"><button type=\"submit\" id=\"sign-in\">Sign in</button></div></form></section>"
        ),
    )
}

pub fn problem(visitor: Option<&Visitor>, message: &str) -> String {
    layout(
        "Problem",
        visitor,
        &format!(
            "<section><h1>That did not work</h1><p class=\"error\" role=\"alert\">{}</p><p><a href=\"/\">Back to the chat</a></p></section>",
            esc(message)
        ),
    )
}

fn state_badge(state: PlanState) -> String {
    let s = state.as_str();
    format!(
        "<span class=\"badge state-{s}\">{}</span>",
        s.replace('_', " ")
    )
}

pub fn chat(v: &Visitor, plans: &[PlanRecord], error: Option<&str>, request: &str) -> String {
    let mut body = String::new();
    let error = error
        .map(|e| format!("<p class=\"error\" role=\"alert\">{}</p>", esc(e)))
        .unwrap_or_default();
    let _ = write!(
        body,
        "<section><h1>Ask</h1>{error}<form method=\"post\" action=\"/console/ask\"><input type=\"hidden\" name=\"csrf\" value=\"{}\">\
         <div class=\"row\"><div class=\"grow\"><label for=\"request\">Request, in plain words</label>\
         <input type=\"text\" id=\"request\" name=\"request\" value=\"{}\" placeholder=\"scale the frontend to 2 replicas\" required></div>\
         <div><label for=\"namespace\">Namespace</label><input type=\"text\" id=\"namespace\" name=\"namespace\" placeholder=\"all\"></div>\
         <div><button type=\"submit\" id=\"ask\">Plan</button></div></div></form>\
         <p class=\"muted\">Reads run at once. Changes are shown with their diff and wait for an approver.</p></section>",
        esc(&v.csrf),
        esc(request)
    );
    body.push_str("<section><h2>Recent plans</h2>");
    if plans.is_empty() {
        body.push_str("<p class=\"muted\">No plans yet.</p>");
    } else {
        body.push_str("<table><tr><th>Request</th><th>By</th><th>State</th><th>Plan</th></tr>");
        for p in plans {
            let _ = write!(
                body,
                "<tr><td><a href=\"/console/plans/{}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&p.id),
                esc(&p.request),
                esc(&p.requested_by),
                state_badge(p.state),
                esc(&p
                    .steps
                    .iter()
                    .map(|s| s.kubectl.as_str())
                    .collect::<Vec<_>>()
                    .join("; "))
            );
        }
        body.push_str("</table>");
    }
    body.push_str("</section>");
    layout("Chat", Some(v), &body)
}

/// A unified diff with added and removed lines marked (by class, not colour inline).
fn diff_block(diff: &str) -> String {
    let mut out = String::from("<pre class=\"diff\">");
    for line in diff.lines() {
        let class = if line.starts_with('+') && !line.starts_with("+++") {
            Some("add")
        } else if line.starts_with('-') && !line.starts_with("---") {
            Some("del")
        } else {
            None
        };
        match class {
            Some(c) => {
                let _ = writeln!(out, "<span class=\"{c}\">{}</span>", esc(line));
            }
            None => {
                let _ = writeln!(out, "{}", esc(line));
            }
        }
    }
    out.push_str("</pre>");
    out
}

pub fn plan(v: &Visitor, p: &PlanRecord, error: Option<&str>) -> String {
    let mut body = String::new();
    let _ = write!(
        body,
        "<section><h1>{}</h1><p>{} · asked by {} · <span id=\"plan-state\">{}</span>{}</p>",
        esc(&p.request),
        esc(&p.created),
        esc(&p.requested_by),
        state_badge(p.state),
        p.decided_by
            .as_deref()
            .map(|d| format!(" · decided by {}", esc(d)))
            .unwrap_or_default()
    );
    if let Some(e) = error {
        let _ = write!(body, "<p class=\"error\" role=\"alert\">{}</p>", esc(e));
    }
    if let Some(a) = p.answer.as_ref().filter(|a| p.message.as_ref() != Some(*a)) {
        let _ = write!(body, "<p id=\"plan-answer\">{}</p>", esc(a));
    }
    if let Some(m) = &p.message {
        let _ = write!(body, "<p id=\"plan-message\">{}</p>", esc(m));
    }
    body.push_str("<h2>Steps</h2><ol>");
    for s in &p.steps {
        let result = match (s.ok, &s.error) {
            (Some(true), _) => " <span class=\"badge state-done\">ok</span>".to_string(),
            (Some(false), Some(e)) => format!(" <span class=\"error\">{}</span>", esc(e)),
            _ => String::new(),
        };
        let _ = write!(
            body,
            "<li><code>{}</code> <span class=\"badge class-{}\">{}</span>{result}",
            esc(&s.kubectl),
            s.class,
            s.class
        );
        if let Some(out) = &s.output
            && !out.text.is_empty()
        {
            let _ = write!(body, "<pre>{}</pre>", esc(&out.text));
        }
        body.push_str("</li>");
    }
    body.push_str("</ol>");
    if !p.changes.is_empty() {
        body.push_str("<h2>What changes (server dry run)</h2>");
        for c in &p.changes {
            let _ = write!(body, "<p><code>{}</code></p>", esc(&c.object));
            if c.diff.is_empty() {
                body.push_str("<p class=\"muted\">No change to the object.</p>");
            } else {
                body.push_str(&diff_block(&c.diff));
            }
        }
    }
    if p.state == PlanState::PendingApproval {
        if v.caller.role >= Role::Approver {
            let _ = write!(
                body,
                "<p class=\"muted\">Waiting for approval until {}.</p><div class=\"actions\">\
                 <form method=\"post\" action=\"/console/plans/{id}/approve\"><input type=\"hidden\" name=\"csrf\" value=\"{csrf}\"><button type=\"submit\" id=\"approve\">Approve and run</button></form>\
                 <form method=\"post\" action=\"/console/plans/{id}/reject\"><input type=\"hidden\" name=\"csrf\" value=\"{csrf}\"><button type=\"submit\" class=\"danger\" id=\"reject\">Reject</button></form></div>",
                esc(&p.expires),
                id = esc(&p.id),
                csrf = esc(&v.csrf)
            );
        } else {
            let _ = write!(
                body,
                "<p class=\"muted\">Waiting for a person with the approver role (until {}).</p>",
                esc(&p.expires)
            );
        }
    }
    body.push_str("</section>");
    layout("Plan", Some(v), &body)
}

fn severity_name(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "critical",
        Severity::Warning => "warning",
        Severity::Info => "info",
    }
}

pub fn health(v: &Visitor, findings: &[Finding], namespace: &str) -> String {
    let mut body = String::new();
    let _ = write!(
        body,
        "<section><h1>Cluster health</h1><form method=\"get\" action=\"/console/health\" class=\"row\">\
         <div class=\"grow\"><label for=\"hns\">Namespace</label><input type=\"text\" id=\"hns\" name=\"namespace\" value=\"{}\" placeholder=\"all\"></div>\
         <div><button type=\"submit\">Check now</button></div></form></section>",
        esc(namespace)
    );
    if findings.is_empty() {
        body.push_str("<section id=\"no-findings\"><p>No problems found.</p></section>");
    }
    for severity in [Severity::Critical, Severity::Warning, Severity::Info] {
        let of: Vec<&Finding> = findings.iter().filter(|f| f.severity == severity).collect();
        if of.is_empty() {
            continue;
        }
        let name = severity_name(severity);
        let _ = write!(
            body,
            "<section id=\"findings-{name}\"><h2 class=\"sev-{name}\">{} {name}</h2>",
            of.len()
        );
        for f in of {
            let _ = write!(
                body,
                "<article class=\"finding\"><p><strong>{}</strong> <span class=\"badge sev-{name}\">{}</span> {}</p>",
                esc(&f.object.to_string()),
                esc(&f.reason),
                esc(&f.cause)
            );
            if !f.evidence.is_empty() {
                body.push_str("<ul class=\"evidence\">");
                for e in &f.evidence {
                    let _ = write!(body, "<li>{}</li>", esc(e));
                }
                body.push_str("</ul>");
            }
            if let Some(a) = &f.advice {
                let _ = write!(body, "<p class=\"muted\">{}</p>", esc(a));
            }
            if !f.fix.is_empty() && v.caller.role >= Role::Operator {
                let _ = write!(
                    body,
                    "<form method=\"post\" action=\"/console/fix\"><input type=\"hidden\" name=\"csrf\" value=\"{}\">\
                     <input type=\"hidden\" name=\"key\" value=\"{}\"><input type=\"hidden\" name=\"namespace\" value=\"{}\">\
                     <button type=\"submit\" class=\"secondary\">Plan the fix: {}</button></form>",
                    esc(&v.csrf),
                    esc(&super::schedule::key(f)),
                    esc(namespace),
                    esc(&f
                        .fix
                        .iter()
                        .map(|o| o.kubectl())
                        .collect::<Vec<_>>()
                        .join("; "))
                );
            }
            body.push_str("</article>");
        }
        body.push_str("</section>");
    }
    layout("Health", Some(v), &body)
}

pub fn audit(v: &Visitor, lines: &[TrailLine]) -> String {
    let mut body = String::from(
        "<section><h1>Audit trail</h1><table id=\"audit\"><tr><th>Time (UTC)</th><th>Asked by</th><th>Decided by</th><th>Decision</th><th>Operation</th><th>Result</th></tr>",
    );
    for l in lines.iter().rev() {
        let r = &l.record;
        let _ = write!(
            body,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td></tr>",
            esc(&r
                .time
                .chars()
                .take(19)
                .collect::<String>()
                .replace('T', " ")),
            esc(&r.user),
            esc(l.decided_by.as_deref().unwrap_or("")),
            esc(&r.decision),
            esc(r.operation.as_deref().unwrap_or(&r.request)),
            esc(&r.result.chars().take(120).collect::<String>())
        );
    }
    body.push_str("</table></section>");
    layout("Audit", Some(v), &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            esc("<script>\"a\" & 'b'</script>"),
            "&lt;script&gt;&quot;a&quot; &amp; &#39;b&#39;&lt;/script&gt;"
        );
    }
}
