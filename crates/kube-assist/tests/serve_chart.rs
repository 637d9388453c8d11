//! The kubectl-assist Helm chart rendered without a cluster (`helm template` and
//! `helm lint` for the defaults and every file in its `ci/`): read-only RBAC by
//! default and never Secrets, write Roles only where asked, the hardened pod, the
//! tokens from a Secret and never inlined in the pod.
//!
//! Needs helm and PyYAML (`scripts/install.d/helm.sh`; `./test.sh` runs it).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

fn chart() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../helm/kubectl-assist")
}

fn helm() -> PathBuf {
    if let Some(path) = std::env::var_os("TODO_HELM") {
        return path.into();
    }
    let cache = std::env::var_os("TODO_CACHE_DIR")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache/todo-chatbot")));
    cache
        .map(|c| c.join("bin/helm"))
        .filter(|b| b.is_file())
        .unwrap_or_else(|| "helm".into())
}

fn yaml_to_json(text: &str) -> Vec<Value> {
    let mut python = Command::new("python3")
        .args(["-c", "import sys, json, yaml; json.dump([d for d in yaml.safe_load_all(sys.stdin) if d], sys.stdout)"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 is needed");
    python
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = python.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "PyYAML (scripts/install.d/helm.sh): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// `helm template` with these values files and `--set`s; Err is helm's message.
fn render(files: &[&str], sets: &[&str]) -> Result<Vec<Value>, String> {
    let mut cmd = Command::new(helm());
    cmd.args(["template", "assist"])
        .arg(chart())
        .args(["--namespace", "ops"]);
    for f in files {
        cmd.arg("-f").arg(chart().join(f));
    }
    for s in sets {
        cmd.args(["--set", s]);
    }
    let out = cmd
        .output()
        .expect("helm is needed (scripts/install.d/helm.sh)");
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    Ok(yaml_to_json(&String::from_utf8_lossy(&out.stdout)))
}

fn of_kind<'a>(docs: &'a [Value], kind: &str) -> Vec<&'a Value> {
    docs.iter().filter(|d| d["kind"] == kind).collect()
}

fn verbs(rule: &Value) -> Vec<&str> {
    rule["verbs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect()
}

const TOKENS: &str = "auth.tokens=vera viewer ci-viewer-token-0123456789ab";

#[test]
fn by_default_the_agent_can_only_read_and_never_secrets() {
    let docs = render(&[], &[TOKENS]).unwrap();
    assert!(of_kind(&docs, "Role").is_empty() && of_kind(&docs, "RoleBinding").is_empty());
    let roles = of_kind(&docs, "ClusterRole");
    assert_eq!(roles.len(), 1, "only the read ClusterRole");
    for rule in roles[0]["rules"].as_array().unwrap() {
        let resources: Vec<&str> = rule["resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_str().unwrap())
            .collect();
        assert!(!resources.contains(&"secrets"), "{rule}");
        let groups: Vec<&str> = rule["apiGroups"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g.as_str().unwrap())
            .collect();
        // "*" resources only in groups without Secrets.
        if resources.contains(&"*") {
            assert!(!groups.contains(&"") && !groups.contains(&"*"), "{rule}");
        }
        let v = verbs(rule);
        let reading = v.iter().all(|v| ["get", "list", "watch"].contains(v));
        let asks_authorizer = resources == ["selfsubjectaccessreviews"] && v == ["create"];
        let records_events = resources == ["events"] && v == ["create", "patch"] && groups == [""];
        assert!(
            reading || asks_authorizer || records_events,
            "a write verb in the default RBAC: {rule}"
        );
    }
    // Without checks.events there is no write verb at all besides the access review.
    let docs = render(&[], &[TOKENS, "checks.events=false"]).unwrap();
    let rules = of_kind(&docs, "ClusterRole")[0]["rules"]
        .as_array()
        .unwrap()
        .clone();
    assert!(
        rules.iter().all(|r| verbs(r)
            .iter()
            .all(|v| ["get", "list", "watch"].contains(v))
            || r["resources"][0] == "selfsubjectaccessreviews"),
        "{rules:?}"
    );
}

#[test]
fn write_namespaces_get_a_role_each_and_cluster_write_a_cluster_role() {
    let docs = render(&["ci/write-values.yaml"], &[]).unwrap();
    let roles = of_kind(&docs, "Role");
    let namespaces: Vec<&str> = roles
        .iter()
        .map(|r| r["metadata"]["namespace"].as_str().unwrap())
        .collect();
    assert_eq!(namespaces, ["todo", "staging"]);
    let scale = roles[0]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| {
            r["resources"]
                .as_array()
                .unwrap()
                .iter()
                .any(|x| x == "deployments/scale")
        })
        .expect("the scale subresource");
    assert!(verbs(scale).contains(&"patch"));
    let bindings = of_kind(&docs, "RoleBinding");
    assert_eq!(bindings.len(), 2);
    assert_eq!(bindings[0]["subjects"][0]["namespace"], "ops");
    assert_eq!(
        of_kind(&docs, "ClusterRole").len(),
        1,
        "no cluster-wide writes unless asked"
    );
    assert_eq!(of_kind(&docs, "PersistentVolumeClaim").len(), 1);

    let docs = render(&["ci/existing-secret-values.yaml"], &[]).unwrap();
    let names: Vec<&str> = of_kind(&docs, "ClusterRole")
        .iter()
        .map(|r| r["metadata"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["assist-kubectl-assist-read", "assist-kubectl-assist-write"]
    );
}

#[test]
fn the_pod_is_hardened_and_reads_its_tokens_from_a_secret() {
    for (files, sets) in [
        (vec!["ci/default-values.yaml"], vec![]),
        (vec!["ci/write-values.yaml"], vec![]),
        (vec!["ci/existing-secret-values.yaml"], vec![]),
        (vec![], vec![TOKENS]),
    ] {
        let docs = render(&files, &sets).unwrap_or_else(|e| panic!("{files:?}: {e}"));
        let dep = of_kind(&docs, "Deployment")[0];
        assert_eq!(dep["spec"]["replicas"], 1);
        let pod = &dep["spec"]["template"]["spec"];
        assert_eq!(pod["securityContext"]["runAsNonRoot"], true);
        assert_eq!(
            pod["securityContext"]["seccompProfile"]["type"],
            "RuntimeDefault"
        );
        let c = &pod["containers"][0];
        assert_eq!(c["securityContext"]["readOnlyRootFilesystem"], true);
        assert_eq!(c["securityContext"]["allowPrivilegeEscalation"], false);
        assert_eq!(c["securityContext"]["capabilities"]["drop"][0], "ALL");
        assert_eq!(c["livenessProbe"]["httpGet"]["path"], "/healthz");
        assert_eq!(c["readinessProbe"]["httpGet"]["path"], "/readyz");
        assert!(c["resources"]["limits"]["memory"].is_string());
        let text = serde_json::to_string(pod).unwrap();
        assert!(
            !text.contains("token-0123456789"),
            "a token inlined in the pod: {files:?}"
        );
        let secret_name = pod["volumes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["name"] == "tokens")
            .unwrap()["secret"]["secretName"]
            .as_str()
            .unwrap()
            .to_string();
        let secrets = of_kind(&docs, "Secret");
        if files.contains(&"ci/existing-secret-values.yaml") {
            assert_eq!(secret_name, "team-tokens");
            assert!(secrets.is_empty());
        } else {
            assert_eq!(secrets[0]["metadata"]["name"], secret_name.as_str());
        }
        assert_eq!(of_kind(&docs, "PodDisruptionBudget").len(), 1);
    }
}

#[test]
fn the_chart_lints_and_refuses_to_render_without_tokens() {
    let err = render(&[], &[]).unwrap_err();
    assert!(err.contains("auth.tokens is required"), "{err}");
    let err = render(&[], &[TOKENS, "rbac.write.namespaces[0]=Not_A_Namespace"]).unwrap_err();
    assert!(
        err.contains("namespaces"),
        "the schema checks namespace names: {err}"
    );
    for f in [
        "ci/default-values.yaml",
        "ci/write-values.yaml",
        "ci/existing-secret-values.yaml",
    ] {
        let out = Command::new(helm())
            .arg("lint")
            .arg(chart())
            .arg("-f")
            .arg(chart().join(f))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{f}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
}

fn env_of(docs: &[Value]) -> Vec<Value> {
    of_kind(docs, "Deployment")[0]["spec"]["template"]["spec"]["containers"][0]["env"]
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn trusted_header_and_webhook_are_off_by_default_and_wired_when_set() {
    let docs = render(&[], &[TOKENS]).unwrap();
    let env = env_of(&docs);
    assert!(
        env.iter().all(|e| {
            let n = e["name"].as_str().unwrap();
            !n.contains("TRUSTED") && !n.contains("WEBHOOK")
        }),
        "{env:?}"
    );
    // A header without the proxies' addresses is refused, not served open.
    let err = render(&[], &[TOKENS, "trustedHeader.header=X-Auth-Request-User"]).unwrap_err();
    assert!(err.contains("trustedHeader.proxies"), "{err}");
    let docs = render(
        &[],
        &[
            TOKENS,
            "trustedHeader.header=X-Auth-Request-User",
            "trustedHeader.proxies={10.244.0.0/16,10.96.0.10}",
            "webhook.existingSecret=team-webhook",
        ],
    )
    .unwrap();
    let env = env_of(&docs);
    let value = |name: &str| {
        env.iter()
            .find(|e| e["name"] == name)
            .unwrap_or_else(|| panic!("{name} not set: {env:?}"))
            .clone()
    };
    assert_eq!(
        value("KUBECTL_ASSIST_TRUSTED_HEADER")["value"],
        "X-Auth-Request-User"
    );
    assert_eq!(
        value("KUBECTL_ASSIST_TRUSTED_PROXIES")["value"],
        "10.244.0.0/16,10.96.0.10"
    );
    assert_eq!(
        value("KUBECTL_ASSIST_TRUSTED_HEADER_ROLE")["value"],
        "viewer"
    );
    // The webhook URL comes from the Secret, never inlined.
    let hook = value("KUBECTL_ASSIST_WEBHOOK_URL");
    assert!(hook.get("value").is_none(), "{hook}");
    assert_eq!(hook["valueFrom"]["secretKeyRef"]["name"], "team-webhook");
    assert_eq!(hook["valueFrom"]["secretKeyRef"]["key"], "url");
    // The NetworkPolicy lets the pod resolve and reach the webhook (and no more than that).
    let np = of_kind(&docs, "NetworkPolicy")[0];
    let egress = np["spec"]["egress"].as_array().unwrap();
    assert_eq!(egress.len(), 3, "{egress:?}");
    assert!(egress.iter().any(|e| e["ports"][0]["port"] == 53));
    // A bad role is refused by the schema.
    assert!(render(&[], &[TOKENS, "trustedHeader.defaultRole=admin"]).is_err());
}

#[test]
fn impersonation_is_off_by_default_and_grants_only_impersonate_on_the_mapped_users() {
    let docs = render(&[], &[TOKENS]).unwrap();
    assert!(
        env_of(&docs)
            .iter()
            .all(|e| !e["name"].as_str().unwrap().contains("IMPERSONATE")),
        "off by default"
    );
    assert!(of_kind(&docs, "ConfigMap").is_empty());

    let docs = render(&["ci/impersonation-values.yaml"], &[]).unwrap();
    let env = env_of(&docs);
    let value = |name: &str| {
        env.iter()
            .find(|e| e["name"] == name)
            .unwrap_or_else(|| panic!("{name} not set: {env:?}"))["value"]
            .clone()
    };
    assert_eq!(value("KUBECTL_ASSIST_IMPERSONATE"), "true");
    assert_eq!(
        value("KUBECTL_ASSIST_IMPERSONATE_MAP"),
        "/etc/kubectl-assist/impersonation/map"
    );
    let map = of_kind(&docs, "ConfigMap")[0]["data"]["map"]
        .as_str()
        .unwrap()
        .to_string();
    let lines: Vec<&str> = map.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(
        lines,
        [
            "olga olga@example.com team-web staff",
            "anna anna@example.com"
        ]
    );
    let role = of_kind(&docs, "ClusterRole")
        .into_iter()
        .find(|r| r["metadata"]["name"] == "assist-kubectl-assist-impersonate")
        .expect("the impersonate ClusterRole");
    let rules = role["rules"].as_array().unwrap();
    assert!(
        rules.iter().all(|r| verbs(r) == ["impersonate"]),
        "{rules:?}"
    );
    assert_eq!(rules[0]["resources"][0], "users");
    assert_eq!(
        rules[0]["resourceNames"],
        serde_json::json!(["olga@example.com", "anna@example.com"])
    );
    assert_eq!(rules[1]["resources"][0], "groups");
    assert_eq!(
        rules[1]["resourceNames"],
        serde_json::json!(["team-web", "staff"])
    );
    // `otherwise` maps every other name, so then any user may be impersonated (groups stay listed).
    let docs = render(
        &["ci/impersonation-values.yaml"],
        &["impersonation.otherwise=sso:{name}"],
    )
    .unwrap();
    let role = of_kind(&docs, "ClusterRole")
        .into_iter()
        .find(|r| r["metadata"]["name"] == "assist-kubectl-assist-impersonate")
        .unwrap();
    assert!(role["rules"][0].get("resourceNames").is_none(), "{role}");
    assert!(
        of_kind(&docs, "ConfigMap")[0]["data"]["map"]
            .as_str()
            .unwrap()
            .contains("\n* sso:{name}")
    );
    // Enabled with nobody mapped is refused, and so is a template without {name}.
    let err = render(&[], &[TOKENS, "impersonation.enabled=true"]).unwrap_err();
    assert!(err.contains("list impersonation.users"), "{err}");
    assert!(
        render(
            &["ci/impersonation-values.yaml"],
            &["impersonation.otherwise=sso"]
        )
        .is_err()
    );
}
