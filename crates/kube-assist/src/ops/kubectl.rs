//! The kubectl command line equivalent to each operation, for `Running: ...` lines
//! and the audit log. It is what an operator would type to do the same by hand.

use super::{DiagnoseOp, Operation, ReplicaChange, ResourceValues, Target};

fn ns_flag(namespace: Option<&str>) -> String {
    match namespace {
        Some(ns) => format!(" -n {ns}"),
        None => " -A".to_string(),
    }
}

fn object(t: &Target) -> String {
    let kind = if t.kind.is_none() && t.resource.is_some() {
        t.kind_name()
    } else {
        t.kind
            .map(|k| k.kubectl_name())
            .unwrap_or("deployment")
            .to_string()
    };
    match &t.name {
        Some(n) => format!("{kind}/{n}"),
        None => kind.to_string(),
    }
}

/// A node as `kubectl cordon` takes it: the bare name.
fn node_name(t: &Target) -> String {
    t.name.clone().unwrap_or_else(|| "NODE".into())
}

fn scoped(t: &Target) -> String {
    let kind_scoped = t.kind.is_some_and(|k| k.is_cluster_scoped());
    match (&t.namespace, kind_scoped) {
        (_, true) => String::new(),
        (Some(ns), false) => format!(" -n {ns}"),
        (None, false) => String::new(),
    }
}

fn opt_ns(namespace: Option<&str>) -> String {
    namespace.map(|n| format!(" -n {n}")).unwrap_or_default()
}

/// A value as a shell word: quoted when it holds anything but plain characters.
fn quote(v: &str) -> String {
    if !v.is_empty()
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.:/@=,".contains(c))
    {
        v.to_string()
    } else {
        format!("'{}'", v.replace('\'', "'\\''"))
    }
}

fn resources(flag: &str, r: &ResourceValues) -> String {
    let mut parts = Vec::new();
    if let Some(c) = &r.cpu {
        parts.push(format!("cpu={c}"));
    }
    if let Some(m) = &r.memory {
        parts.push(format!("memory={m}"));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(" --{flag}={}", parts.join(","))
    }
}

const ANALYZED: &str = "pods,deployments,replicasets,services,endpoints,nodes,pvc,jobs,events";

pub(super) fn render(op: &Operation) -> String {
    match op {
        Operation::List(o) => {
            let mut sel = o
                .selector
                .as_ref()
                .map(|s| format!(" -l {s}"))
                .unwrap_or_default();
            if let Some(f) = &o.field_selector {
                sel.push_str(&format!(" --field-selector {f}"));
            }
            let (kind, cluster_scoped) = match &o.resource {
                // Resolution clears the namespace of a cluster-scoped kind.
                Some(r) => (
                    super::discovery::QualifiedResource::parse(r)
                        .map(|q| q.kubectl_name())
                        .unwrap_or_else(|_| r.clone()),
                    false,
                ),
                None => (
                    o.kind.kubectl_name().to_string(),
                    o.kind.is_cluster_scoped(),
                ),
            };
            let ns = if cluster_scoped {
                String::new()
            } else {
                ns_flag(o.namespace.as_deref())
            };
            format!("kubectl get {kind}{sel}{ns}")
        }
        Operation::Get(o) => format!("kubectl get {}{}", object(&o.target), scoped(&o.target)),
        Operation::Describe(o) => format!(
            "kubectl describe {}{}",
            object(&o.target),
            scoped(&o.target)
        ),
        Operation::Events(o) => {
            let mut s = "kubectl get events".to_string();
            if let Some(t) = &o.target
                && let Some(name) = &t.name
            {
                s.push_str(&format!(" --field-selector involvedObject.name={name}"));
            }
            if o.warnings_only {
                s.push_str(if s.contains("--field-selector") {
                    ",type=Warning"
                } else {
                    " --field-selector type=Warning"
                });
            }
            let ns = o
                .namespace
                .as_deref()
                .or(o.target.as_ref().and_then(|t| t.namespace.as_deref()));
            s.push_str(&ns_flag(ns));
            s
        }
        Operation::Logs(o) => {
            let mut s = format!("kubectl logs {} --tail={}", object(&o.target), o.tail);
            if let Some(c) = &o.container {
                s.push_str(&format!(" -c {c}"));
            }
            if o.previous {
                s.push_str(" --previous");
            }
            s.push_str(&scoped(&o.target));
            if o.errors_only {
                s.push_str(" | grep -iE 'error|exception|fatal|panic|fail'");
            }
            s
        }
        Operation::Scale(o) => {
            let replicas = match o.replicas {
                ReplicaChange::To(n) => n.to_string(),
                ReplicaChange::By(d) => format!("{d:+}"),
                ReplicaChange::Times(f) => format!("x{f}"),
                ReplicaChange::Percent(p) => format!("{p:+}%"),
            };
            format!(
                "kubectl scale {} --replicas={replicas}{}",
                object(&o.target),
                scoped(&o.target)
            )
        }
        Operation::RolloutRestart(o) => format!(
            "kubectl rollout restart {}{}",
            object(&o.target),
            scoped(&o.target)
        ),
        Operation::RolloutUndo(o) => {
            let rev = o
                .to_revision
                .map(|r| format!(" --to-revision={r}"))
                .unwrap_or_default();
            format!(
                "kubectl rollout undo {}{rev}{}",
                object(&o.target),
                scoped(&o.target)
            )
        }
        Operation::RolloutStatus(o) => {
            format!(
                "kubectl rollout status {} --timeout={}s{}",
                object(&o.target),
                o.timeout_secs,
                scoped(&o.target)
            )
        }
        Operation::SetImage(o) => {
            let c = o.container.as_deref().unwrap_or("*");
            format!(
                "kubectl set image {} {c}={}{}",
                object(&o.target),
                o.image,
                scoped(&o.target)
            )
        }
        Operation::SetResources(o) => {
            let c = o
                .container
                .as_ref()
                .map(|c| format!(" -c {c}"))
                .unwrap_or_default();
            format!(
                "kubectl set resources {}{c}{}{}{}",
                object(&o.target),
                resources("requests", &o.requests),
                resources("limits", &o.limits),
                scoped(&o.target)
            )
        }
        Operation::Patch(o) => {
            format!(
                "kubectl patch {} --type={} -p '{}'{}",
                object(&o.target),
                o.patch_type.as_str(),
                o.patch.to_string().replace('\'', "'\\''"),
                scoped(&o.target)
            )
        }
        Operation::RolloutHistory(o) => format!(
            "kubectl rollout history {}{}",
            object(&o.target),
            scoped(&o.target)
        ),
        Operation::RolloutPause(o) => format!(
            "kubectl rollout pause {}{}",
            object(&o.target),
            scoped(&o.target)
        ),
        Operation::RolloutResume(o) => format!(
            "kubectl rollout resume {}{}",
            object(&o.target),
            scoped(&o.target)
        ),
        Operation::SetEnv(o) => {
            let mut s = format!("kubectl set env {}", object(&o.target));
            if let Some(c) = &o.container {
                s.push_str(&format!(" -c {c}"));
            }
            if let Some(secret) = &o.from_secret {
                s.push_str(&format!(" --from=secret/{secret}"));
            }
            for (k, v) in &o.env {
                s.push_str(&format!(" {}", quote(&format!("{k}={v}"))));
            }
            for k in &o.remove {
                s.push_str(&format!(" {k}-"));
            }
            s.push_str(&scoped(&o.target));
            s
        }
        Operation::Cordon(o) => format!("kubectl cordon {}", node_name(&o.target)),
        Operation::Uncordon(o) => format!("kubectl uncordon {}", node_name(&o.target)),
        Operation::Drain(o) => format!(
            "kubectl drain {} --ignore-daemonsets{}{}",
            node_name(&o.target),
            if o.delete_emptydir_data {
                " --delete-emptydir-data"
            } else {
                ""
            },
            o.pod_selector
                .as_deref()
                .map(|s| format!(" --pod-selector={}", quote(s)))
                .unwrap_or_default()
        ),
        Operation::Restore(o) => format!(
            "kubectl replace -f -{} # {} as it was before {}",
            scoped(&o.target),
            object(&o.target),
            o.journal_id.as_deref().unwrap_or("the write")
        ),
        Operation::DeletePod(o) => {
            let t = Target {
                kind: Some(super::Kind::Pod),
                ..o.target.clone()
            };
            format!("kubectl delete {}{}", object(&t), scoped(&t))
        }
        Operation::Health(o) => {
            format!("kubectl get {ANALYZED}{}", ns_flag(o.namespace.as_deref()))
        }
        Operation::Delete(o) => {
            format!("kubectl delete {}{}", object(&o.target), scoped(&o.target))
        }
        Operation::Apply(a) => {
            let names: Vec<String> = super::manifest::parse_manifest(&a.manifest)
                .map(|objs| {
                    objs.iter()
                        .map(|o| {
                            format!(
                                "{}/{}",
                                o["kind"].as_str().unwrap_or_default().to_lowercase(),
                                o["metadata"]["name"].as_str().unwrap_or_default()
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            format!(
                "kubectl apply --server-side --field-manager=kubectl-assist -f -{} # {}",
                opt_ns(a.namespace.as_deref()),
                if names.is_empty() {
                    "an invalid manifest".to_string()
                } else {
                    names.join(", ")
                }
            )
        }
        Operation::CreateNamespace(n) => format!("kubectl create namespace {}", n.name),
        Operation::CreateConfigmap(c) => {
            let lits: String = c
                .data
                .iter()
                .map(|(k, v)| format!(" --from-literal={k}={}", quote(v)))
                .collect();
            format!(
                "kubectl create configmap {}{lits}{}",
                c.name,
                opt_ns(c.namespace.as_deref())
            )
        }
        Operation::CreateSecret(c) => {
            let lits: String = c
                .data
                .0
                .keys()
                .map(|k| format!(" --from-literal={k}={}", super::manifest::MASK))
                .collect();
            format!(
                "kubectl create secret generic {}{lits}{}",
                c.name,
                opt_ns(c.namespace.as_deref())
            )
        }
        Operation::CreateDeployment(d) => {
            let mut s = format!("kubectl create deployment {} --image={}", d.name, d.image);
            if let Some(r) = d.replicas {
                s.push_str(&format!(" --replicas={r}"));
            }
            if let Some(p) = d.port {
                s.push_str(&format!(" --port={p}"));
            }
            s.push_str(&opt_ns(d.namespace.as_deref()));
            s
        }
        Operation::Expose(e) => {
            let mut s = format!("kubectl expose {} --port={}", object(&e.target), e.port);
            if let Some(p) = e.target_port {
                s.push_str(&format!(" --target-port={p}"));
            }
            if let Some(n) = &e.name {
                s.push_str(&format!(" --name={n}"));
            }
            if let Some(t) = &e.service_type {
                s.push_str(&format!(" --type={t}"));
            }
            s.push_str(&scoped(&e.target));
            s
        }
        Operation::Autoscale(a) => {
            let mut s = format!(
                "kubectl autoscale {} --min={} --max={}",
                object(&a.target),
                a.min,
                a.max
            );
            if let Some(p) = a.cpu_percent {
                s.push_str(&format!(" --cpu-percent={p}"));
            }
            s.push_str(&scoped(&a.target));
            s
        }
        Operation::Diagnose(DiagnoseOp { target, namespace })
        | Operation::Fix(crate::fix::FixOp { target, namespace }) => {
            let ns = namespace
                .as_deref()
                .or(target.as_ref().and_then(|t| t.namespace.as_deref()));
            match target.as_ref().filter(|t| t.name.is_some()) {
                Some(t) => format!(
                    "kubectl describe {}{} && kubectl get events{}",
                    object(t),
                    scoped(t),
                    ns_flag(ns)
                ),
                None => format!("kubectl get {ANALYZED}{}", ns_flag(ns)),
            }
        }
        Operation::Optimize(o) => {
            let ns = o
                .namespace
                .as_deref()
                .or(o.target.as_ref().and_then(|t| t.namespace.as_deref()));
            format!("kubectl top pods --containers{}", ns_flag(ns))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::*;

    fn t(kind: Kind, name: &str, ns: &str) -> Target {
        Target {
            kind: Some(kind),
            name: Some(name.into()),
            namespace: Some(ns.into()),
            resource: None,
        }
    }

    #[test]
    fn renders_like_kubectl() {
        let scale = Operation::Scale(ScaleOp {
            target: t(Kind::Deployment, "frontend", "todo"),
            replicas: ReplicaChange::To(2),
        });
        assert_eq!(
            scale.kubectl(),
            "kubectl scale deployment/frontend --replicas=2 -n todo"
        );
        let logs = Operation::Logs(LogsOp {
            target: t(Kind::Pod, "backend-1", "todo"),
            container: None,
            tail: 50,
            previous: true,
            errors_only: false,
        });
        assert_eq!(
            logs.kubectl(),
            "kubectl logs pod/backend-1 --tail=50 --previous -n todo"
        );
        let list = Operation::List(ListOp {
            kind: Kind::Pod,
            resource: None,
            field_selector: None,
            namespace: None,
            selector: Some("app=x".into()),
        });
        assert_eq!(list.kubectl(), "kubectl get pod -l app=x -A");
        let res = Operation::SetResources(SetResourcesOp {
            target: t(Kind::Deployment, "backend", "todo"),
            container: Some("api".into()),
            requests: ResourceValues {
                cpu: Some("100m".into()),
                memory: None,
            },
            limits: ResourceValues {
                cpu: None,
                memory: Some("256Mi".into()),
            },
        });
        assert_eq!(
            res.kubectl(),
            "kubectl set resources deployment/backend -c api --requests=cpu=100m --limits=memory=256Mi -n todo"
        );
        let node = Operation::Describe(DescribeOp {
            target: t(Kind::Node, "n1", "ignored"),
        });
        assert_eq!(node.kubectl(), "kubectl describe node/n1");
        let env = Operation::SetEnv(SetEnvOp {
            target: t(Kind::Deployment, "web", "todo"),
            container: None,
            env: [("MSG".to_string(), "hello world".to_string())].into(),
            remove: vec!["DEBUG".into()],
            from_secret: None,
        });
        assert_eq!(
            env.kubectl(),
            "kubectl set env deployment/web 'MSG=hello world' DEBUG- -n todo"
        );
        let drain = Operation::Drain(DrainOp {
            target: t(Kind::Node, "n1", "x"),
            delete_emptydir_data: false,
            pod_selector: None,
        });
        assert_eq!(drain.kubectl(), "kubectl drain n1 --ignore-daemonsets");
        let some = Operation::Drain(DrainOp {
            target: t(Kind::Node, "n1", "x"),
            delete_emptydir_data: false,
            pod_selector: Some("app=web".into()),
        });
        assert_eq!(
            some.kubectl(),
            "kubectl drain n1 --ignore-daemonsets --pod-selector=app=web"
        );
    }
}
