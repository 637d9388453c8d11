//! Reads and writes of any kind, through `DynamicObject` and the API server's own
//! tables (`as=Table`, what kubectl prints): the kinds discovery finds, and the
//! typed kinds when `-o wide` or `-o yaml` asks for the server's columns or the
//! whole object.

use k8s_openapi::jiff::Timestamp;
use kube::api::{Api, ApiResource, DeleteParams, DynamicObject, ListParams, Patch};
use serde_json::{Value, json};

use super::discovery::QualifiedResource;
use super::exec::{Executor, OpOutput};
use super::{Kind, Target, view};
use crate::error::{AssistError, Result};

/// How objects are shown: kubectl's `-o` for reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Listing {
    /// A table (the typed columns, or the server's for other kinds).
    #[default]
    Table,
    /// The server's table with its extra (priority > 0) columns.
    Wide,
    /// The whole objects as YAML (server bookkeeping and hidden values left out).
    Yaml,
}

/// The resource of a typed kind, so it can go through the generic paths too.
pub fn qualified_of(kind: Kind) -> QualifiedResource {
    let (group, plural) = super::preflight::resource_of(kind);
    QualifiedResource {
        group: group.to_string(),
        version: "v1".into(),
        plural: plural.to_string(),
    }
}

/// The API resource a target addresses, typed or discovered.
pub fn resource_of_target(t: &Target) -> Result<QualifiedResource> {
    match (t.kind, &t.resource) {
        (Some(k), _) => Ok(qualified_of(k)),
        (None, Some(r)) => QualifiedResource::parse(r),
        (None, None) => Err(AssistError::Invalid(format!(
            "{} is not resolved to a kind",
            t.display()
        ))),
    }
}

const TABLE_ACCEPT: &str = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";

fn cell(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "<none>".into(),
        other => other.to_string(),
    }
}

/// A meta.k8s.io Table as text: the columns of priority 0 (all with `wide`),
/// with NAMESPACE first when rows come from several namespaces.
fn render_table(table: &Value, wide: bool, with_namespace: bool) -> (String, Vec<Value>) {
    let cols: Vec<(usize, String)> = table["columnDefinitions"]
        .as_array()
        .map(|cs| {
            cs.iter()
                .enumerate()
                .filter(|(_, c)| wide || c["priority"].as_i64().unwrap_or(0) == 0)
                .map(|(i, c)| (i, c["name"].as_str().unwrap_or("").to_uppercase()))
                .collect()
        })
        .unwrap_or_default();
    let rows_in = table["rows"].as_array().cloned().unwrap_or_default();
    let mut header: Vec<String> = Vec::new();
    if with_namespace {
        header.push("NAMESPACE".into());
    }
    header.extend(cols.iter().map(|(_, n)| n.clone()));
    let mut rows = Vec::new();
    let mut data = Vec::new();
    for r in &rows_in {
        let cells = r["cells"].as_array().cloned().unwrap_or_default();
        let mut row = Vec::new();
        if with_namespace {
            row.push(cell(&r["object"]["metadata"]["namespace"]));
        }
        row.extend(
            cols.iter()
                .map(|(i, _)| cells.get(*i).map(cell).unwrap_or_default()),
        );
        data.push(Value::Object(
            header
                .iter()
                .zip(&row)
                .map(|(h, c)| (h.to_lowercase(), json!(c)))
                .collect(),
        ));
        rows.push(row);
    }
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    (view::table(&header, &rows), data)
}

/// The object as a read shows it: bookkeeping, env values and ConfigMap values left out.
fn shown(q: &QualifiedResource, v: Value) -> Value {
    let kind = if q.group.is_empty() && q.plural == "configmaps" {
        Kind::ConfigMap
    } else {
        Kind::Pod
    };
    crate::diff::clean(view::trimmed(kind, v))
}

impl Executor {
    pub(super) fn dyn_api(&self, ar: &ApiResource, ns: Option<&str>) -> Api<DynamicObject> {
        match ns {
            Some(ns) => Api::namespaced_with(self.client.clone(), ns, ar),
            None => Api::all_with(self.client.clone(), ar),
        }
    }

    async fn table(&self, path: String, lp: Option<&ListParams>) -> Result<Value> {
        let mut req = match lp {
            Some(lp) => kube::core::Request::new(path)
                .list(lp)
                .map_err(|e| AssistError::Invalid(e.to_string()))?,
            None => http::Request::get(path)
                .body(Vec::new())
                .map_err(|e| AssistError::Invalid(e.to_string()))?,
        };
        req.headers_mut().insert(
            http::header::ACCEPT,
            http::HeaderValue::from_static(TABLE_ACCEPT),
        );
        Ok(self.client.request::<Value>(req).await?)
    }

    /// List any kind: the server's table, or the objects with `-o yaml`.
    pub(super) async fn list_any(
        &self,
        q: &QualifiedResource,
        ns: Option<&str>,
        label: Option<&str>,
        field: Option<&str>,
    ) -> Result<OpOutput> {
        let lp = ListParams {
            label_selector: label.map(str::to_string),
            field_selector: field.map(str::to_string),
            ..Default::default()
        };
        let ar = q.api_resource();
        let name = q.kubectl_name();
        let scope = ns.map(|n| format!(" in namespace {n}")).unwrap_or_default();
        if q.is_secret() {
            // Names only: values (and even their objects) never leave the cluster.
            let metas = self.dyn_api(&ar, ns).list_metadata(&lp).await?;
            let now = Timestamp::now();
            let rows: Vec<Vec<String>> = metas
                .items
                .iter()
                .map(|m| {
                    vec![
                        m.metadata.namespace.clone().unwrap_or_default(),
                        m.metadata.name.clone().unwrap_or_default(),
                        view::age(&json!({"metadata": {"creationTimestamp": m.metadata.creation_timestamp}}), now),
                    ]
                })
                .collect();
            let data: Vec<Value> = rows
                .iter()
                .map(|r| json!({"namespace": r[0], "name": r[1], "age": r[2]}))
                .collect();
            let text = if rows.is_empty() {
                format!("No secrets found{scope}.")
            } else {
                view::table(&["NAMESPACE", "NAME", "AGE"], &rows)
            };
            return Ok(OpOutput::text(
                text,
                json!({"resource": name, "items": data}),
            ));
        }
        if self.options.listing == Listing::Yaml {
            let list = self.dyn_api(&ar, ns).list(&lp).await?;
            let items: Vec<Value> = list
                .items
                .into_iter()
                .map(|o| shown(q, serde_json::to_value(o).unwrap_or_default()))
                .collect();
            let text =
                crate::diff::to_yaml(&json!({"apiVersion": "v1", "kind": "List", "items": items}));
            return Ok(OpOutput::text(
                text,
                json!({"resource": name, "items": items}),
            ));
        }
        let path = <DynamicObject as kube::Resource>::url_path(&ar, ns);
        let table = self.table(path, Some(&lp)).await?;
        let rows = table["rows"].as_array().map_or(0, Vec::len);
        if rows == 0 {
            return Ok(OpOutput::text(
                format!("No {name} found{scope}."),
                json!({"resource": name, "items": []}),
            ));
        }
        let namespaced_all =
            ns.is_none() && table["rows"][0]["object"]["metadata"]["namespace"].is_string();
        let (text, data) = render_table(
            &table,
            self.options.listing == Listing::Wide,
            namespaced_all,
        );
        Ok(OpOutput::text(
            text,
            json!({"resource": name, "items": data}),
        ))
    }

    /// One object of any kind: its table row, or the object with `-o yaml`.
    pub(super) async fn get_any(&self, t: &Target) -> Result<OpOutput> {
        let q = resource_of_target(t)?;
        let name = t.name.as_deref().unwrap_or_default();
        let ns = t.namespace.as_deref();
        if self.options.listing == Listing::Yaml {
            let v = shown(&q, self.get_value(t).await?);
            return Ok(OpOutput::text(crate::diff::to_yaml(&v), v));
        }
        let path = format!(
            "{}/{name}",
            <DynamicObject as kube::Resource>::url_path(&q.api_resource(), ns)
        );
        let table = self.table(path, None).await?;
        let (text, mut data) = render_table(&table, self.options.listing == Listing::Wide, false);
        Ok(OpOutput::text(text, data.pop().unwrap_or_default()))
    }

    /// Any kind in detail, with the events about it.
    pub(super) async fn describe_any(&self, t: &Target) -> Result<OpOutput> {
        let q = resource_of_target(t)?;
        let name = t.name.as_deref().unwrap_or_default();
        let v = shown(&q, self.get_value(t).await?);
        let mut text = String::new();
        view::tree(&v, 0, &mut text);
        let events = self
            .events(Some(name), t.namespace.as_deref(), false)
            .await?;
        text.push_str("\nEvents:\n");
        text.push_str(&events.text);
        Ok(OpOutput::text(
            text,
            json!({"object": v, "events": events.data}),
        ))
    }

    /// The live object of a discovered kind.
    pub(super) async fn get_dynamic(&self, t: &Target) -> Result<Value> {
        let q = resource_of_target(t)?;
        let api = self.dyn_api(&q.api_resource(), t.namespace.as_deref());
        let name = t.name.as_deref().unwrap_or_default();
        Ok(serde_json::to_value(api.get(name).await?).unwrap_or_default())
    }

    /// Patch an object of a discovered kind.
    pub(super) async fn patch_dynamic(&self, t: &Target, patch: &Patch<&Value>) -> Result<Value> {
        let q = resource_of_target(t)?;
        let api = self.dyn_api(&q.api_resource(), t.namespace.as_deref());
        let name = t.name.as_deref().unwrap_or_default();
        Ok(
            serde_json::to_value(api.patch(name, &self.patch_params(), patch).await?)
                .unwrap_or_default(),
        )
    }

    /// Delete one object of any kind (kubectl's default background propagation:
    /// what it owns goes after it).
    pub(super) async fn delete_any(&self, t: &Target) -> Result<()> {
        let q = resource_of_target(t)?;
        let api = self.dyn_api(&q.api_resource(), t.namespace.as_deref());
        let dp = DeleteParams {
            dry_run: self.options.dry_run,
            ..DeleteParams::background()
        };
        let name = t.name.as_deref().unwrap_or_default();
        api.delete(name, &dp).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_show_priority_zero_columns_unless_wide() {
        let table = json!({"kind": "Table", "columnDefinitions": [
            {"name": "Name", "priority": 0}, {"name": "Spec", "priority": 0},
            {"name": "Image", "priority": 1}, {"name": "Age", "priority": 0}],
            "rows": [{"cells": ["a", "* * * * */5", "img:1", "3m"], "object": {"metadata": {"name": "a", "namespace": "n"}}}]});
        let (text, data) = render_table(&table, false, true);
        assert_eq!(
            text,
            "NAMESPACE   NAME   SPEC          AGE\nn           a      * * * * */5   3m\n"
        );
        assert_eq!(data[0]["spec"], "* * * * */5");
        let (wide, _) = render_table(&table, true, false);
        assert!(
            wide.starts_with("NAME   SPEC          IMAGE   AGE\n"),
            "{wide}"
        );
    }
}
