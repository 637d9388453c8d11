//! The Helm chart rendered without a cluster: `helm template` for the defaults and
//! every values file in the chart's `ci/`, with assertions on the objects (probes,
//! securityContext, RBAC, replicas, secrets referenced and never inlined), the one
//! pod template both Deployments share, percent-encoding of the database password,
//! and the raw manifests in `k8s/` checked against the chart's defaults for drift.
//!
//! Needs helm and PyYAML (`scripts/install.d/helm.sh`; `./test.sh` runs it).

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn chart() -> PathBuf {
    repo().join("helm/todo-chart")
}

fn helm() -> PathBuf {
    if let Some(path) = std::env::var_os("TODO_HELM") {
        return path.into();
    }
    let cache = std::env::var_os("TODO_CACHE_DIR")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache/todo-chatbot")));
    if let Some(bin) = cache.map(|c| c.join("bin/helm")).filter(|b| b.is_file()) {
        return bin;
    }
    "helm".into()
}

/// YAML documents (as JSON values), via PyYAML.
fn parse_yaml(text: &str) -> Vec<Value> {
    let mut python = Command::new("python3")
        .args([
            "-c",
            "import sys, json, yaml; json.dump([d for d in yaml.safe_load_all(sys.stdin) if d], sys.stdout)",
        ])
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
        "PyYAML could not read it (run scripts/install.d/helm.sh): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// `helm template todo CHART -n todo [-f FILE] [ARGS]`: Ok(objects) or Err(stderr).
fn try_render(values: Option<&Path>, args: &[&str]) -> Result<Vec<Value>, String> {
    let mut cmd = Command::new(helm());
    cmd.args(["template", "todo"])
        .arg(chart())
        .args(["-n", "todo"]);
    if let Some(file) = values {
        cmd.arg("-f").arg(file);
    }
    let out = cmd.args(args).output().unwrap_or_else(|e| {
        panic!(
            "cannot run helm ({e}); install it with `bash scripts/install.d/helm.sh` or set TODO_HELM"
        )
    });
    if out.status.success() {
        Ok(parse_yaml(&String::from_utf8_lossy(&out.stdout)))
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

fn render(values: Option<&Path>, args: &[&str]) -> Vec<Value> {
    try_render(values, args).unwrap_or_else(|e| panic!("helm template {values:?} {args:?}: {e}"))
}

/// The defaults and every `ci/*-values.yaml`, by name.
fn every_values_file() -> Vec<(String, Option<PathBuf>)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(chart().join("ci"))
        .expect("the chart has a ci/ directory")
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with("-values.yaml"))
        .collect();
    files.sort();
    assert!(files.len() >= 4, "ci/ values files: {files:?}");
    let mut all = vec![("defaults".to_string(), None)];
    all.extend(files.into_iter().map(|f| {
        (
            f.file_name().unwrap().to_string_lossy().into_owned(),
            Some(f),
        )
    }));
    all
}

fn of_kind<'a>(objects: &'a [Value], kind: &str) -> Vec<&'a Value> {
    objects.iter().filter(|o| o["kind"] == kind).collect()
}

fn named<'a>(objects: &'a [Value], kind: &str, name: &str) -> &'a Value {
    objects
        .iter()
        .find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no {kind} {name}"))
}

fn values_of(file: &Option<PathBuf>) -> Value {
    let defaults =
        parse_yaml(&std::fs::read_to_string(chart().join("values.yaml")).unwrap()).remove(0);
    match file {
        None => defaults,
        Some(f) => {
            let mut merged = defaults;
            merge(
                &mut merged,
                &parse_yaml(&std::fs::read_to_string(f).unwrap()).remove(0),
            );
            merged
        }
    }
}

fn merge(base: &mut Value, over: &Value) {
    match (base, over) {
        (Value::Object(b), Value::Object(o)) => {
            for (k, v) in o {
                merge(b.entry(k.clone()).or_insert(Value::Null), v);
            }
        }
        (b, o) => *b = o.clone(),
    }
}

/// Environment variables that carry secrets: never a literal value in a manifest.
const SECRET_ENV: &[&str] = &[
    "BETTER_AUTH_SECRET",
    "LLM_API_KEY",
    "POSTGRES_PASSWORD",
    "DATABASE_URL",
];

#[test]
fn every_values_file_renders_probed_locked_down_workloads() {
    for (name, file) in every_values_file() {
        let objects = render(file.as_deref(), &[]);
        let values = values_of(&file);
        let mut workloads = of_kind(&objects, "Deployment");
        workloads.extend(of_kind(&objects, "StatefulSet"));
        assert!(workloads.len() >= 2, "{name}: workloads");
        for w in &workloads {
            let wname = w["metadata"]["name"].as_str().unwrap();
            let pod = &w["spec"]["template"]["spec"];
            let what = format!("{name}: {wname}");
            assert_eq!(pod["securityContext"]["runAsNonRoot"], true, "{what}");
            assert_eq!(
                pod["securityContext"]["seccompProfile"]["type"], "RuntimeDefault",
                "{what}"
            );
            assert_eq!(
                pod["automountServiceAccountToken"], false,
                "{what}: no API token in the pods"
            );
            for c in pod["containers"].as_array().unwrap() {
                let sc = &c["securityContext"];
                assert_eq!(sc["allowPrivilegeEscalation"], false, "{what}");
                assert_eq!(sc["readOnlyRootFilesystem"], true, "{what}");
                assert_eq!(
                    sc["capabilities"]["drop"],
                    serde_json::json!(["ALL"]),
                    "{what}"
                );
                assert!(c["readinessProbe"].is_object(), "{what}: readiness probe");
                assert!(c["livenessProbe"].is_object(), "{what}: liveness probe");
                assert!(
                    c["resources"]["limits"]["memory"].is_string(),
                    "{what}: memory limit"
                );
                for env in c["env"].as_array().into_iter().flatten() {
                    let env_name = env["name"].as_str().unwrap();
                    if SECRET_ENV.contains(&env_name) {
                        let literal = env["value"].as_str().unwrap_or("");
                        assert!(
                            env["valueFrom"]["secretKeyRef"].is_object()
                                || literal.starts_with("sqlite://")
                                || literal.contains("$(POSTGRES_PASSWORD)"),
                            "{what}: {env_name} must come from a Secret, not be inlined: {env}"
                        );
                    }
                }
            }
        }
        // replicas as the values say (unless an HPA owns them)
        for component in ["backend", "frontend"] {
            let d = named(&objects, "Deployment", &format!("todo-{component}"));
            let v = &values[component];
            if v["autoscaling"]["enabled"] == true {
                assert!(
                    d["spec"]["replicas"].is_null(),
                    "{name}: {component} HPA owns replicas"
                );
                let hpa = named(
                    &objects,
                    "HorizontalPodAutoscaler",
                    &format!("todo-{component}"),
                );
                assert_eq!(
                    hpa["spec"]["minReplicas"], v["autoscaling"]["minReplicas"],
                    "{name}"
                );
            } else {
                assert_eq!(
                    d["spec"]["replicas"], v["replicaCount"],
                    "{name}: {component} replicas"
                );
            }
        }
        // RBAC: the app never talks to the API server, so the chart grants nothing
        for kind in ["Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"] {
            assert!(of_kind(&objects, kind).is_empty(), "{name}: no {kind}");
        }
        // a Secret made by the chart holds no empty values; values files with existingSecret make none
        let secrets = of_kind(&objects, "Secret");
        if values["existingSecret"]
            .as_str()
            .is_some_and(|s| !s.is_empty())
        {
            assert!(
                secrets.is_empty(),
                "{name}: existingSecret means no chart Secret"
            );
        } else {
            assert_eq!(secrets.len(), 1, "{name}: one Secret");
            assert!(
                secrets[0]["data"]["BETTER_AUTH_SECRET"].is_string(),
                "{name}"
            );
        }
        // no secret value appears anywhere but in the Secret
        let secret_values: Vec<&str> = [
            values["secret"]["betterAuthSecret"].as_str(),
            values["secret"]["llmApiKey"].as_str(),
            values["postgresql"]["auth"]["password"].as_str(),
        ]
        .into_iter()
        .flatten()
        .filter(|s| !s.is_empty())
        .collect();
        for o in objects.iter().filter(|o| o["kind"] != "Secret") {
            let text = o.to_string();
            for s in &secret_values {
                assert!(
                    !text.contains(s),
                    "{name}: a secret value is inlined in {} {}",
                    o["kind"],
                    o["metadata"]["name"]
                );
            }
        }
    }
}

#[test]
fn frontend_and_backend_share_one_pod_template() {
    let objects = render(None, &[]);
    let pod = |name: &str| named(&objects, "Deployment", name)["spec"]["template"]["spec"].clone();
    let (mut backend, mut frontend) = (pod("todo-backend"), pod("todo-frontend"));
    let container = |p: &Value| p["containers"][0].clone();
    let (bc, fc) = (container(&backend), container(&frontend));
    for key in ["securityContext", "lifecycle", "imagePullPolicy", "image"] {
        assert_eq!(bc[key], fc[key], "container {key}");
    }
    assert_eq!(bc["args"][0], "api");
    assert_eq!(fc["args"][0], "web");
    // pod-level fields, apart from the backend's data volume, are the same
    for p in [&mut backend, &mut frontend] {
        p.as_object_mut().unwrap().remove("containers");
        p["volumes"]
            .as_array_mut()
            .unwrap()
            .retain(|v| v["name"] != "data");
    }
    assert_eq!(backend, frontend);
    // and the template itself is one helper
    for file in ["backend-deployment.yaml", "frontend-deployment.yaml"] {
        let text = std::fs::read_to_string(chart().join("templates").join(file)).unwrap();
        assert!(
            text.contains(r#"include "todo-chart.deployment""#),
            "{file} renders through the shared helper"
        );
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() + 1 {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

#[test]
fn a_database_password_with_url_characters_is_percent_encoded() {
    let password = "p@ss/w:o%rd +x?#";
    let objects = render(
        None,
        &[
            "--set",
            "postgresql.enabled=true",
            "--set-string",
            &format!("postgresql.auth.password={password}"),
        ],
    );
    let secret = named(&objects, "Secret", "todo-secret");
    let b64 = |key: &str| {
        let out = Command::new("base64")
            .arg("-d")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .and_then(|mut c| {
                c.stdin
                    .take()
                    .unwrap()
                    .write_all(secret["data"][key].as_str().unwrap().as_bytes())?;
                c.wait_with_output()
            })
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    assert_eq!(b64("POSTGRES_PASSWORD"), password);
    let url = b64("DATABASE_URL");
    let userinfo = url
        .strip_prefix("postgres://")
        .and_then(|r| r.rsplit_once('@'))
        .map(|(u, _)| u)
        .unwrap_or_else(|| panic!("{url}"));
    let (user, encoded) = userinfo.split_once(':').unwrap();
    assert_eq!(user, "todo");
    assert!(
        !encoded.contains(['@', '/', ':', ' ', '?', '#', '+']),
        "reserved characters are encoded: {encoded}"
    );
    assert_eq!(percent_decode(encoded), password, "{url}");
    assert!(url.ends_with("@todo-postgresql:5432/todo"), "{url}");
    // the backend takes that URL from the Secret
    let backend = named(&objects, "Deployment", "todo-backend");
    let env = backend["spec"]["template"]["spec"]["containers"][0]["env"]
        .as_array()
        .unwrap();
    let db = env.iter().find(|e| e["name"] == "DATABASE_URL").unwrap();
    assert_eq!(db["valueFrom"]["secretKeyRef"]["key"], "DATABASE_URL");
}

#[test]
fn sqlite_with_several_backends_is_refused_with_a_reason() {
    let err = try_render(None, &["--set", "backend.replicaCount=2"]).expect_err("must not render");
    assert!(err.contains("needs a shared database"), "{err}");
}

/// Every environment variable name a container gets: `env`, and the keys of the
/// ConfigMaps and Secrets it reads whole.
fn env_names(objects: &[Value], container: &Value, secret_keys: &[&str]) -> BTreeSet<String> {
    let mut names: BTreeSet<String> = container["env"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| e["name"].as_str().unwrap().to_string())
        .collect();
    for from in container["envFrom"].as_array().into_iter().flatten() {
        if let Some(cm) = from["configMapRef"]["name"].as_str() {
            let map = named(objects, "ConfigMap", cm);
            names.extend(map["data"].as_object().unwrap().keys().cloned());
        }
        if from["secretRef"].is_object() {
            names.extend(secret_keys.iter().map(|k| k.to_string()));
        }
    }
    names
}

#[test]
fn raw_manifests_do_not_drift_from_the_chart_defaults() {
    let chart_objects = render(None, &[]);
    let mut raw = Vec::new();
    for entry in std::fs::read_dir(repo().join("k8s")).unwrap() {
        let path = entry.unwrap().path();
        raw.extend(parse_yaml(&std::fs::read_to_string(&path).unwrap()));
    }
    // The Secret of k8s/ is made by hand (README): these are the keys it may hold.
    let raw_secret_keys = ["BETTER_AUTH_SECRET", "DATABASE_URL", "LLM_API_KEY"];
    for component in ["backend", "frontend"] {
        let name = format!("todo-{component}");
        let c = named(&chart_objects, "Deployment", &name);
        let r = named(&raw, "Deployment", &name);
        let (cp, rp) = (
            &c["spec"]["template"]["spec"],
            &r["spec"]["template"]["spec"],
        );
        let (cc, rc) = (&cp["containers"][0], &rp["containers"][0]);
        for key in [
            "ports",
            "startupProbe",
            "livenessProbe",
            "readinessProbe",
            "securityContext",
            "lifecycle",
            "args",
        ] {
            assert_eq!(
                cc[key], rc[key],
                "{name}: container {key} differs between chart and k8s/"
            );
        }
        for key in [
            "securityContext",
            "automountServiceAccountToken",
            "terminationGracePeriodSeconds",
        ] {
            assert_eq!(
                cp[key], rp[key],
                "{name}: pod {key} differs between chart and k8s/"
            );
        }
        assert_eq!(
            c["spec"]["strategy"], r["spec"]["strategy"],
            "{name}: rollout strategy"
        );
        let chart_env = env_names(&chart_objects, cc, &[]);
        let mut raw_env = env_names(&raw, rc, &raw_secret_keys);
        if component == "frontend" {
            // k8s/ shares one ConfigMap and Secret between both roles; `todo web` never
            // reads DATABASE_URL
            raw_env.remove("DATABASE_URL");
        }
        assert_eq!(chart_env, raw_env, "{name}: environment variable names");
        let (cs, rs) = (
            named(&chart_objects, "Service", &name),
            named(&raw, "Service", &name),
        );
        let ports = |s: &Value| {
            s["spec"]["ports"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| {
                    (
                        p["port"].clone(),
                        p["targetPort"].clone(),
                        p["name"].clone(),
                    )
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(ports(cs), ports(rs), "{name}: Service ports");
        assert_eq!(
            cs["spec"]["type"], rs["spec"]["type"],
            "{name}: Service type"
        );
    }
    // the non-secret settings are the same (the chart sets DATABASE_URL in the backend's
    // env by store mode; k8s/ has the SQLite default in the ConfigMap, a Secret key overrides it)
    let config = |objects: &[Value]| {
        let mut data = named(objects, "ConfigMap", "todo-config")["data"].clone();
        data.as_object_mut().unwrap().remove("DATABASE_URL");
        data
    };
    assert_eq!(
        config(&chart_objects),
        config(&raw),
        "ConfigMap todo-config"
    );
}
