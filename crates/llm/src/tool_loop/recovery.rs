//! Recovery of tool calls a model wrote into its message text instead of the
//! `tool_calls` field (small local models often do): the written forms, for
//! offered names only, capped per message.

use serde_json::{Map, Value};

/// Tool calls written in a message's text, in order, for `offered` names only, at
/// most `cap`, without repeats. Forms: `<tool_call>{…}</tool_call>`, fenced JSON,
/// bare JSON objects or arrays, `{{…}}`, and `functions.NAME:{…}` / `functions.NAME({…})`.
/// A call object is `{"name", "arguments"|"parameters"|"args"}`, OpenAI's
/// `{"type": "function", "function": {"name", "arguments"}}`, or `{"tool_calls": [...]}`.
pub fn recover_tool_calls(
    content: &str,
    offered: &[&str],
    cap: usize,
) -> Vec<(String, Map<String, Value>)> {
    let mut found: Vec<(String, Map<String, Value>)> = Vec::new();
    let push =
        |name: &str, args: Map<String, Value>, found: &mut Vec<(String, Map<String, Value>)>| {
            if found.len() < cap
                && offered.contains(&name)
                && !found.iter().any(|(n, a)| n == name && *a == args)
            {
                found.push((name.to_string(), args));
            }
        };
    // functions.NAME followed by its arguments object.
    let mut rest = content;
    while let Some(at) = rest.find("functions.") {
        let after = &rest[at + "functions.".len()..];
        let name: String = after
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
            .collect();
        let tail = &after[name.len()..];
        let tail_trim = tail.trim_start_matches([':', '(', ' ', '\n', '\t']);
        let args = if tail_trim.starts_with('{') {
            balanced_object(tail_trim).and_then(parse_object)
        } else {
            Some(Map::new())
        };
        if let Some(args) = args {
            push(&name, args, &mut found);
        }
        rest = tail;
    }
    if !found.is_empty() {
        return found;
    }
    // Every balanced JSON object or array in the text, outermost first.
    let bytes = content.as_bytes();
    let mut i = 0;
    while i < bytes.len() && found.len() < cap {
        let c = bytes[i];
        if (c == b'{' || c == b'[')
            && let Some(raw) = balanced(&content[i..])
        {
            let mut handled = false;
            for candidate in [raw, strip_double_braces(raw)] {
                if let Ok(v) = serde_json::from_str::<Value>(candidate) {
                    let before = found.len();
                    collect_calls(&v, &mut |n, a| push(n, a, &mut found));
                    handled = found.len() > before || v.is_object();
                    if handled {
                        break;
                    }
                }
            }
            if handled {
                i += raw.len();
                continue;
            }
        }
        i += 1;
    }
    found
}

fn strip_double_braces(raw: &str) -> &str {
    if raw.starts_with("{{") && raw.ends_with("}}") {
        &raw[1..raw.len() - 1]
    } else {
        raw
    }
}

fn collect_calls(v: &Value, push: &mut dyn FnMut(&str, Map<String, Value>)) {
    match v {
        Value::Array(items) => items.iter().for_each(|x| collect_calls(x, push)),
        Value::Object(m) => {
            if let Some(calls) = m.get("tool_calls") {
                collect_calls(calls, push);
                return;
            }
            if let Some(Value::Object(f)) = m.get("function") {
                if let Some(name) = f.get("name").and_then(Value::as_str) {
                    push(name, arguments_of(f));
                }
                return;
            }
            let name = ["name", "function", "tool", "tool_name"]
                .iter()
                .find_map(|k| m.get(*k).and_then(Value::as_str));
            if let Some(name) = name {
                push(name, arguments_of(m));
            }
        }
        _ => {}
    }
}

fn arguments_of(m: &Map<String, Value>) -> Map<String, Value> {
    for key in ["arguments", "parameters", "args", "input"] {
        match m.get(key) {
            Some(Value::Object(a)) => return a.clone(),
            Some(Value::String(s)) => {
                if let Some(a) = parse_object(s) {
                    return a;
                }
            }
            _ => {}
        }
    }
    Map::new()
}

fn parse_object(raw: &str) -> Option<Map<String, Value>> {
    for candidate in [raw, strip_double_braces(raw)] {
        if let Ok(Value::Object(m)) = serde_json::from_str::<Value>(candidate) {
            return Some(m);
        }
    }
    None
}

fn balanced_object(text: &str) -> Option<&str> {
    text.starts_with('{').then(|| balanced(text)).flatten()
}

/// The balanced `{…}` or `[…]` at the start of `text`, strings respected.
fn balanced(text: &str) -> Option<&str> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '{' | '[' => depth += 1,
            '}' | ']' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(&text[..i + c.len_utf8()]);
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const OFFERED: &[&str] = &["add_task", "list_tasks", "delete_task"];

    fn names(text: &str) -> Vec<(String, Value)> {
        recover_tool_calls(text, OFFERED, 4)
            .into_iter()
            .map(|(n, a)| (n, Value::Object(a)))
            .collect()
    }

    #[test]
    fn every_written_form_is_recovered() {
        let want = vec![("add_task".to_string(), json!({"title": "Buy milk"}))];
        for text in [
            r#"{"name": "add_task", "arguments": {"title": "Buy milk"}}"#,
            "Sure!\n```json\n{\"name\": \"add_task\", \"parameters\": {\"title\": \"Buy milk\"}}\n```",
            "<tool_call>\n{\"name\": \"add_task\", \"arguments\": \"{\\\"title\\\": \\\"Buy milk\\\"}\"}\n</tool_call>",
            r#"{{"name": "add_task", "arguments": {"title": "Buy milk"}}}"#,
            r#"functions.add_task:{"title": "Buy milk"}"#,
            r#"functions.add_task({"title": "Buy milk"})"#,
            r#"[{"type": "function", "function": {"name": "add_task", "arguments": "{\"title\":\"Buy milk\"}"}}]"#,
        ] {
            assert_eq!(names(text), want, "{text}");
        }
    }

    #[test]
    fn only_offered_names_and_at_most_the_cap() {
        assert!(names(r#"{"name": "drop_database", "arguments": {}}"#).is_empty());
        assert!(names("Added 'Buy milk' (task 1).").is_empty());
        assert!(names(r#"The task {"id": 3} is done"#).is_empty());
        let many: String = (0..10)
            .map(|i| format!("<tool_call>{{\"name\": \"add_task\", \"arguments\": {{\"title\": \"t{i}\"}}}}</tool_call>"))
            .collect();
        assert_eq!(recover_tool_calls(&many, OFFERED, 4).len(), 4);
        let twice =
            r#"{"name": "list_tasks", "arguments": {}} {"name": "list_tasks", "arguments": {}}"#;
        assert_eq!(names(twice).len(), 1);
    }
}
