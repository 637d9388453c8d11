//! Tool schemas the strictest servers accept. llama.cpp turns every tool schema
//! into a grammar and rejects what it cannot (a boolean schema such as schemars'
//! `true` for `serde_json::Value` is HTTP 400 for the whole request); small models
//! fill `default: null` and nullable unions with invented values. So every schema
//! is rewritten once, at the wire, for every caller.

use schemars::JsonSchema;
use serde_json::{Map, Value};

/// The JSON schema of a tool's argument type `T`, as every caller publishes it:
/// sub-schemas inlined (several OpenAI-compatible servers do not follow `$ref`),
/// without the `$schema` and `title` envelope, which only cost prompt tokens.
/// The one place a tool's Rust argument type becomes its schema.
pub fn schema_of<T: JsonSchema>() -> Map<String, Value> {
    let generator = schemars::generate::SchemaSettings::draft2020_12()
        .with(|s| s.inline_subschemas = true)
        .into_generator();
    let mut map = match generator.into_root_schema_for::<T>().to_value() {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    map.remove("$schema");
    map.remove("title");
    map
}

/// Deepest `$ref` chain followed; a recursive schema stops here as "any object".
const MAX_REF_DEPTH: usize = 8;

/// The schema rewritten for strict servers:
/// - boolean schemas become objects (`true` → `{}`, `false` → `{"not": {}}`);
/// - local `$ref`s into `$defs`/`definitions` are inlined and the definitions dropped;
/// - nullable unions lose their `null` branch (`["string", "null"]` → `"string"`,
///   `anyOf: [X, {"type": "null"}]` → `X`), and `default: null` is removed;
/// - `$schema` and `title` keys, which only cost prompt tokens, are removed.
///
/// The root is always an object schema, as the chat-completions format requires.
pub fn sanitize_schema(schema: &Value) -> Value {
    let defs = collect_defs(schema);
    let mut out = rewrite(schema, &defs, 0);
    if let Value::Object(map) = &mut out {
        if !map.contains_key("type") {
            map.insert("type".into(), Value::String("object".into()));
        }
        if map.get("type").and_then(Value::as_str) == Some("object")
            && !map.contains_key("properties")
        {
            map.insert("properties".into(), Value::Object(Map::new()));
        }
    }
    out
}

fn collect_defs(schema: &Value) -> Map<String, Value> {
    let mut defs = Map::new();
    for key in ["$defs", "definitions"] {
        if let Some(Value::Object(d)) = schema.get(key) {
            for (name, def) in d {
                defs.insert(format!("#/{key}/{name}"), def.clone());
            }
        }
    }
    defs
}

fn rewrite(schema: &Value, defs: &Map<String, Value>, depth: usize) -> Value {
    let map = match schema {
        Value::Bool(true) => return Value::Object(Map::new()),
        Value::Bool(false) => {
            let mut m = Map::new();
            m.insert("not".into(), Value::Object(Map::new()));
            return Value::Object(m);
        }
        Value::Object(map) => map,
        other => return other.clone(),
    };
    if let Some(Value::String(target)) = map.get("$ref") {
        return match defs.get(target) {
            Some(def) if depth < MAX_REF_DEPTH => {
                let mut inlined = rewrite(def, defs, depth + 1);
                // Sibling keywords (a description beside the $ref) win over the definition's.
                if let Value::Object(out) = &mut inlined {
                    for (k, v) in map {
                        if k != "$ref" {
                            out.insert(k.clone(), rewrite_keyword(k, v, defs, depth));
                        }
                    }
                }
                inlined
            }
            _ => serde_json::json!({"type": "object"}),
        };
    }
    let mut out = Map::new();
    for (k, v) in map {
        match k.as_str() {
            "$schema" | "$defs" | "definitions" | "title" => {}
            "default" if v.is_null() => {}
            "type" => {
                if let Some(t) = non_null_type(v) {
                    out.insert(k.clone(), t);
                }
            }
            "anyOf" | "oneOf" => {
                let branches: Vec<Value> = v
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter(|b| !is_null_schema(b))
                            .map(|b| rewrite(b, defs, depth))
                            .collect()
                    })
                    .unwrap_or_default();
                match branches.len() {
                    0 => {}
                    // One branch left: merge it in, so `anyOf: [{$ref}, null]` reads as the ref.
                    1 => {
                        if let Value::Object(b) = &branches[0] {
                            for (bk, bv) in b {
                                out.entry(bk.clone()).or_insert_with(|| bv.clone());
                            }
                        }
                    }
                    _ => {
                        out.insert(k.clone(), Value::Array(branches));
                    }
                }
            }
            _ => {
                out.insert(k.clone(), rewrite_keyword(k, v, defs, depth));
            }
        }
    }
    Value::Object(out)
}

/// Keywords whose value is a schema, a list of schemas or a map of schemas.
fn rewrite_keyword(key: &str, value: &Value, defs: &Map<String, Value>, depth: usize) -> Value {
    match key {
        "properties" | "patternProperties" => match value {
            Value::Object(props) => Value::Object(
                props
                    .iter()
                    .map(|(name, s)| (name.clone(), rewrite(s, defs, depth)))
                    .collect(),
            ),
            other => other.clone(),
        },
        "items" | "additionalProperties" | "not" | "contains" | "propertyNames" => {
            rewrite(value, defs, depth)
        }
        "allOf" | "prefixItems" => match value {
            Value::Array(a) => Value::Array(a.iter().map(|s| rewrite(s, defs, depth)).collect()),
            other => other.clone(),
        },
        _ => value.clone(),
    }
}

fn is_null_schema(v: &Value) -> bool {
    v.get("type").and_then(Value::as_str) == Some("null")
        || matches!(v.get("const"), Some(Value::Null))
}

fn non_null_type(v: &Value) -> Option<Value> {
    match v {
        Value::Array(types) => {
            let kept: Vec<Value> = types
                .iter()
                .filter(|t| t.as_str() != Some("null"))
                .cloned()
                .collect();
            match kept.len() {
                0 => None,
                1 => Some(kept[0].clone()),
                _ => Some(Value::Array(kept)),
            }
        }
        other => Some(other.clone()),
    }
}

/// The first boolean schema in `schema`, as a JSON pointer; what llama.cpp rejects.
/// Used by the strict stub server.
pub fn find_boolean_schema(schema: &Value) -> Option<String> {
    fn walk(v: &Value, at: &str) -> Option<String> {
        match v {
            Value::Bool(_) => Some(at.to_string()),
            Value::Object(map) => {
                for (k, x) in map {
                    let found = match k.as_str() {
                        "properties" | "patternProperties" | "$defs" | "definitions" => {
                            x.as_object().and_then(|props| {
                                props
                                    .iter()
                                    .find_map(|(n, s)| walk(s, &format!("{at}/{k}/{n}")))
                            })
                        }
                        "items" | "additionalProperties" | "not" | "contains" => {
                            // `additionalProperties: false` is a keyword value, not a schema position
                            // llama.cpp rejects.
                            if k == "additionalProperties" && x.is_boolean() {
                                None
                            } else {
                                walk(x, &format!("{at}/{k}"))
                            }
                        }
                        "anyOf" | "oneOf" | "allOf" | "prefixItems" => x.as_array().and_then(|a| {
                            a.iter()
                                .enumerate()
                                .find_map(|(i, s)| walk(s, &format!("{at}/{k}/{i}")))
                        }),
                        _ => None,
                    };
                    if found.is_some() {
                        return found;
                    }
                }
                None
            }
            _ => None,
        }
    }
    walk(schema, "#")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// An argument type with a nested type, as tools have.
    #[allow(dead_code)] // only its schema is used
    #[derive(schemars::JsonSchema)]
    struct Outer {
        /// The inner part.
        inner: Inner,
    }

    #[allow(dead_code)]
    #[derive(schemars::JsonSchema)]
    struct Inner {
        count: u32,
    }

    #[test]
    fn schema_of_inlines_nested_types_and_drops_the_envelope() {
        let schema = Value::Object(schema_of::<Outer>());
        assert_eq!(schema["type"], "object");
        assert_eq!(schema["properties"]["inner"]["type"], "object");
        assert_eq!(
            schema["properties"]["inner"]["properties"]["count"]["type"],
            "integer"
        );
        let text = schema.to_string();
        for key in ["$ref", "$defs", "$schema", "\"title\""] {
            assert!(!text.contains(key), "{key} in {text}");
        }
    }

    #[test]
    fn boolean_schemas_become_objects() {
        let s = json!({"type": "object", "properties": {"patch": true, "never": false}});
        let out = sanitize_schema(&s);
        assert_eq!(out["properties"]["patch"], json!({}));
        assert_eq!(out["properties"]["never"], json!({"not": {}}));
        assert_eq!(
            find_boolean_schema(&s).as_deref(),
            Some("#/properties/never")
        );
        assert_eq!(find_boolean_schema(&out), None);
    }

    #[test]
    fn refs_are_inlined_and_nullables_collapsed() {
        let s = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "Input",
            "type": "object",
            "properties": {
                "target": {"$ref": "#/$defs/Target", "description": "what to act on"},
                "replicas": {"anyOf": [{"$ref": "#/$defs/Count"}, {"type": "null"}], "default": null},
                "note": {"type": ["string", "null"], "default": null}
            },
            "required": ["target"],
            "$defs": {
                "Target": {"type": "object", "properties": {"name": {"type": "string"}}},
                "Count": {"type": "integer", "minimum": 0}
            }
        });
        let out = sanitize_schema(&s);
        assert_eq!(
            out,
            json!({
                "type": "object",
                "properties": {
                    "target": {"type": "object", "properties": {"name": {"type": "string"}}, "description": "what to act on"},
                    "replicas": {"type": "integer", "minimum": 0},
                    "note": {"type": "string"}
                },
                "required": ["target"]
            })
        );
    }

    #[test]
    fn recursive_refs_stop_and_the_root_is_an_object() {
        let s = json!({"$ref": "#/$defs/Node", "$defs": {"Node": {"type": "object", "properties": {"next": {"$ref": "#/$defs/Node"}}}}});
        let out = sanitize_schema(&s);
        assert_eq!(out["type"], "object");
        assert!(out.to_string().len() < 2000, "{out}");
        assert_eq!(sanitize_schema(&json!({}))["properties"], json!({}));
    }
}
