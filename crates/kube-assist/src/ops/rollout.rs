//! Rollouts: restart, roll back to an earlier revision, wait for completion,
//! list the revisions, pause and resume.

use std::time::{Duration, Instant};

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::jiff::Timestamp;
use kube::api::{Api, ListParams, Patch, PostParams};
use serde_json::{Value, json};

use super::exec::{ns_api, parts};
use super::{Executor, Kind, OpOutput, Target};
use crate::error::{AssistError, Result};
use crate::progress::Spinner;

impl Executor {
    pub(super) async fn restart(&self, t: &Target) -> Result<OpOutput> {
        let (kind, ns, name) = parts(t)?;
        let at = Timestamp::now().to_string();
        let patch = json!({"spec": {"template": {"metadata": {"annotations": {"kubectl.kubernetes.io/restartedAt": at}}}}});
        let after = self
            .patch_workload(kind, ns, name, &Patch::Merge(&patch))
            .await?;
        Ok(OpOutput::text(
            format!("{}/{name} restarted{}", kind.kubectl_name(), self.dry()),
            json!({"restartedAt": at}),
        )
        .with_after(after))
    }
    pub(super) async fn patch_workload(
        &self,
        kind: Kind,
        ns: Option<&str>,
        name: &str,
        patch: &Patch<&Value>,
    ) -> Result<Value> {
        if !kind.is_workload() {
            return Err(AssistError::Invalid(format!(
                "a {} has no pod template to change",
                kind.kubectl_name()
            )));
        }
        self.patch_any(kind, ns, name, patch).await
    }

    pub(super) async fn undo(&self, t: &Target, to_revision: Option<u64>) -> Result<OpOutput> {
        let (kind, ns, name) = parts(t)?;
        if kind != Kind::Deployment {
            return Err(AssistError::Invalid(format!(
                "rolling back works on Deployments; {} is a {}",
                name,
                kind.kubectl_name()
            )));
        }
        let deployments: Api<Deployment> = ns_api(&self.client, ns);
        let mut dep = deployments.get(name).await?;
        let uid = dep.metadata.uid.clone().unwrap_or_default();
        let current = revision_number(&dep.metadata);
        let rss = self.owned_replica_sets(ns, &uid).await?;
        let wanted = match to_revision {
            Some(r) => rss.iter().find(|rs| revision_number(&rs.metadata) == r),
            None => rss
                .iter()
                .filter(|rs| revision_number(&rs.metadata) < current)
                .max_by_key(|rs| revision_number(&rs.metadata)),
        };
        let Some(rs) = wanted else {
            return Err(AssistError::NotFound(match to_revision {
                Some(r) => format!("deployment/{name} has no revision {r}"),
                None => format!(
                    "deployment/{name} has no earlier revision to roll back to (it is at revision {current})"
                ),
            }));
        };
        let revision = revision_number(&rs.metadata);
        let mut template = rs
            .spec
            .as_ref()
            .and_then(|s| s.template.clone())
            .unwrap_or_default();
        if let Some(meta) = template.metadata.as_mut()
            && let Some(labels) = meta.labels.as_mut()
        {
            labels.remove("pod-template-hash");
        }
        if let Some(spec) = dep.spec.as_mut() {
            spec.template = template;
        }
        // A replace carries the resourceVersion just read: a concurrent change makes
        // it fail with 409 instead of being silently overwritten.
        let pp = PostParams {
            dry_run: self.options.dry_run,
            field_manager: Some("kubectl-assist".into()),
        };
        let after = deployments.replace(name, &pp, &dep).await?;
        Ok(OpOutput::text(
            format!(
                "deployment/{name} rolled back from revision {current} to revision {revision}{}",
                self.dry()
            ),
            json!({"from_revision": current, "to_revision": revision}),
        )
        .with_after(serde_json::to_value(after).unwrap_or_default()))
    }
    pub(super) async fn rollout_status(&self, t: &Target, timeout_secs: u64) -> Result<OpOutput> {
        let (kind, _, name) = parts(t)?;
        let started = Instant::now();
        let deadline = Duration::from_secs(timeout_secs.max(1));
        let spinner = Spinner::start(
            self.options.progress,
            &format!("waiting for {}/{name} to roll out", kind.kubectl_name()),
        );
        let result = loop {
            let v = self.get_value(t).await?;
            let generation = v
                .pointer("/metadata/generation")
                .and_then(Value::as_i64)
                .unwrap_or(0);
            let observed = v
                .pointer("/status/observedGeneration")
                .and_then(Value::as_i64)
                .unwrap_or(0);
            let num = |p: &str| v.pointer(p).and_then(Value::as_i64).unwrap_or(0);
            let (desired, updated, available, total) = match kind {
                Kind::DaemonSet => (
                    num("/status/desiredNumberScheduled"),
                    num("/status/updatedNumberScheduled"),
                    num("/status/numberAvailable"),
                    num("/status/currentNumberScheduled"),
                ),
                _ => (
                    v.pointer("/spec/replicas")
                        .and_then(Value::as_i64)
                        .unwrap_or(1),
                    num("/status/updatedReplicas"),
                    if kind == Kind::StatefulSet {
                        num("/status/readyReplicas")
                    } else {
                        num("/status/availableReplicas")
                    },
                    num("/status/replicas"),
                ),
            };
            let stuck = v
                .pointer("/status/conditions")
                .and_then(Value::as_array)
                .is_some_and(|cs| {
                    cs.iter().any(|c| {
                        c["type"] == "Progressing" && c["reason"] == "ProgressDeadlineExceeded"
                    })
                });
            spinner.set(format!(
                "{}/{name}: {updated}/{desired} updated, {available} available",
                kind.kubectl_name()
            ));
            if observed >= generation
                && updated >= desired
                && available >= desired
                && total <= desired
            {
                break Ok(OpOutput::text(
                    format!(
                        "{}/{name} successfully rolled out ({available}/{desired} available)",
                        kind.kubectl_name()
                    ),
                    json!({"desired": desired, "updated": updated, "available": available}),
                ));
            }
            if stuck {
                break Err(AssistError::Refused(format!(
                    "{}/{name} exceeded its progress deadline: the new pods do not become available. Diagnose with: kubectl-assist diagnose {name}",
                    kind.kubectl_name()
                )));
            }
            if started.elapsed() >= deadline {
                break Err(AssistError::Timeout {
                    what: format!(
                        "{}/{name} to roll out ({updated}/{desired} updated, {available} available)",
                        kind.kubectl_name()
                    ),
                    seconds: deadline.as_secs(),
                });
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        };
        spinner.finish().await;
        result
    }

    /// A Deployment's ReplicaSets, the revisions of its history, oldest first.
    async fn revisions(&self, ns: Option<&str>, name: &str) -> Result<Vec<ReplicaSet>> {
        let dep = ns_api::<Deployment>(&self.client, ns).get(name).await?;
        let uid = dep.metadata.uid.clone().unwrap_or_default();
        let mut rss = self.owned_replica_sets(ns, &uid).await?;
        rss.sort_by_key(|rs| revision_number(&rs.metadata));
        Ok(rss)
    }

    /// `rollout history`: each revision with its change-cause and images.
    pub(super) async fn history(&self, t: &Target) -> Result<OpOutput> {
        let (kind, ns, name) = parts(t)?;
        if kind != Kind::Deployment {
            return Err(AssistError::Invalid(format!(
                "rollout history reads a Deployment's ReplicaSets; {name} is a {}",
                kind.kubectl_name()
            )));
        }
        let rss = self.revisions(ns, name).await?;
        let rows: Vec<Vec<String>> = rss
            .iter()
            .map(|rs| {
                let cause = rs
                    .metadata
                    .annotations
                    .as_ref()
                    .and_then(|a| a.get("kubernetes.io/change-cause"))
                    .cloned()
                    .unwrap_or_else(|| "<none>".into());
                let images = rs
                    .spec
                    .as_ref()
                    .and_then(|s| s.template.as_ref())
                    .and_then(|t| t.spec.as_ref())
                    .map(|s| {
                        s.containers
                            .iter()
                            .map(|c| c.image.clone().unwrap_or_default())
                            .collect::<Vec<_>>()
                            .join(",")
                    })
                    .unwrap_or_default();
                vec![
                    revision_number(&rs.metadata).to_string(),
                    cause,
                    images,
                    rs.metadata.name.clone().unwrap_or_default(),
                ]
            })
            .collect();
        let text = if rows.is_empty() {
            format!("deployment/{name} has no revisions yet.")
        } else {
            format!(
                "deployment/{name}\n{}",
                super::view::table(&["REVISION", "CHANGE-CAUSE", "IMAGES", "REPLICASET"], &rows)
            )
        };
        let data = rows
            .iter()
            .map(|r| json!({"revision": r[0].parse::<u64>().unwrap_or(0), "change_cause": r[1], "images": r[2], "replicaset": r[3]}))
            .collect::<Vec<_>>();
        Ok(OpOutput::text(text, json!({"revisions": data})))
    }

    /// `rollout pause|resume`: set `spec.paused` of a Deployment.
    pub(super) async fn set_paused(&self, t: &Target, paused: bool) -> Result<OpOutput> {
        let (kind, ns, name) = parts(t)?;
        if kind != Kind::Deployment {
            return Err(AssistError::Invalid(format!(
                "only Deployments pause their rollouts; {name} is a {}",
                kind.kubectl_name()
            )));
        }
        // `null` removes the field, as `kubectl rollout resume` leaves it.
        let value = if paused { json!(true) } else { Value::Null };
        let patch = json!({"spec": {"paused": value}});
        let after = self
            .patch_any(kind, ns, name, &Patch::Merge(&patch))
            .await?;
        Ok(OpOutput::text(
            format!(
                "deployment/{name} {}{}",
                if paused { "paused" } else { "resumed" },
                self.dry()
            ),
            json!({"paused": paused}),
        )
        .with_after(after))
    }

    /// The ReplicaSets in `ns` whose owner is the object with `uid` (a Deployment's revisions).
    async fn owned_replica_sets(&self, ns: Option<&str>, uid: &str) -> Result<Vec<ReplicaSet>> {
        Ok(ns_api::<ReplicaSet>(&self.client, ns)
            .list(&ListParams::default())
            .await?
            .items
            .into_iter()
            .filter(|rs| {
                rs.metadata
                    .owner_references
                    .iter()
                    .flatten()
                    .any(|o| o.uid == uid)
            })
            .collect())
    }
}

/// The revision a Deployment or ReplicaSet annotation records (0 when none).
fn revision_number(m: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta) -> u64 {
    m.annotations
        .as_ref()
        .and_then(|a| a.get("deployment.kubernetes.io/revision"))
        .and_then(|r| r.parse().ok())
        .unwrap_or(0)
}
