//! Deployments, StatefulSets and ReplicaSets: unavailable replicas, stuck rollouts,
//! replica failures (quota, admission).

use super::{Finding, Severity, Snapshot, object_ref, quote};
use crate::ops::Kind;

pub(super) fn analyze(s: &Snapshot) -> Vec<Finding> {
    let mut out = Vec::new();
    for d in &s.deployments {
        let me = object_ref(Kind::Deployment, &d.metadata);
        let desired = d.spec.as_ref().and_then(|sp| sp.replicas).unwrap_or(1);
        let status = d.status.clone().unwrap_or_default();
        let available = status.available_replicas.unwrap_or(0);
        let conditions = status.conditions.unwrap_or_default();
        if let Some(c) = conditions.iter().find(|c| {
            c.type_ == "Progressing"
                && c.status == "False"
                && c.reason.as_deref() == Some("ProgressDeadlineExceeded")
        }) {
            out.push(
                Finding::new(me.clone(), Severity::Critical, "workloads", "RolloutStuck", "its rollout is stuck: the new pods did not become available in time".into())
                    .evidence(format!("condition Progressing=False: {}", quote(c.message.as_deref().unwrap_or(""), 200)))
                    .evidence(format!("{} updated, {available}/{desired} available", status.updated_replicas.unwrap_or(0)))
                    .advice("see the pod findings for why the new pods fail; roll back to the last working revision"),
            );
        } else if desired > 0 && available < desired {
            let severity = if available == 0 {
                Severity::Critical
            } else {
                Severity::Warning
            };
            let mut f = Finding::new(
                me.clone(),
                severity,
                "workloads",
                "UnavailableReplicas",
                format!("only {available} of {desired} replicas are available"),
            )
            .evidence(format!(
                "ready {}, updated {}, unavailable {}",
                status.ready_replicas.unwrap_or(0),
                status.updated_replicas.unwrap_or(0),
                status.unavailable_replicas.unwrap_or(desired - available)
            ))
            .advice("see the findings about its pods for the reason");
            if let Some(c) = conditions
                .iter()
                .find(|c| c.type_ == "Available" && c.status == "False")
            {
                f = f.evidence(format!(
                    "condition Available=False: {}",
                    quote(c.message.as_deref().unwrap_or(""), 200)
                ));
            }
            out.push(f);
        }
    }
    for st in &s.statefulsets {
        let me = object_ref(Kind::StatefulSet, &st.metadata);
        let desired = st.spec.as_ref().and_then(|sp| sp.replicas).unwrap_or(1);
        let ready = st
            .status
            .as_ref()
            .and_then(|x| x.ready_replicas)
            .unwrap_or(0);
        if desired > 0 && ready < desired {
            let severity = if ready == 0 {
                Severity::Critical
            } else {
                Severity::Warning
            };
            out.push(
                Finding::new(
                    me,
                    severity,
                    "workloads",
                    "UnavailableReplicas",
                    format!("only {ready} of {desired} replicas are ready"),
                )
                .advice("see the findings about its pods for the reason"),
            );
        }
    }
    for ds in &s.daemonsets {
        let me = object_ref(Kind::DaemonSet, &ds.metadata);
        let st = ds.status.clone().unwrap_or_default();
        if st.number_unavailable.unwrap_or(0) > 0 {
            out.push(Finding::new(
                me,
                Severity::Warning,
                "workloads",
                "UnavailableReplicas",
                format!(
                    "{} of {} daemon pods are unavailable",
                    st.number_unavailable.unwrap_or(0),
                    st.desired_number_scheduled
                ),
            ));
        }
    }
    for rs in &s.replicasets {
        let me = object_ref(Kind::ReplicaSet, &rs.metadata);
        let conditions = rs
            .status
            .as_ref()
            .and_then(|x| x.conditions.clone())
            .unwrap_or_default();
        if let Some(c) = conditions
            .iter()
            .find(|c| c.type_ == "ReplicaFailure" && c.status == "True")
        {
            out.push(
                Finding::new(me, Severity::Critical, "workloads", "ReplicaFailure", format!("it cannot create pods: {}", quote(c.message.as_deref().unwrap_or(""), 200)))
                    .evidence(format!("condition ReplicaFailure reason {}", c.reason.as_deref().unwrap_or("?")))
                    .advice("a ResourceQuota, LimitRange or admission webhook rejects the pods: adjust the pod spec or the policy"),
            );
        }
    }
    out
}
