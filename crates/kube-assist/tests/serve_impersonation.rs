//! `serve --impersonate`: every request the agent sends for a person carries that
//! person's `Impersonate-User` and `Impersonate-Group` headers (from the
//! impersonation map), so the API server applies their RBAC: the RBAC preflight,
//! the dry run and, after approval, the write itself run as the person who ASKED
//! (the approver lends no rights). A name the map does not cover is refused, never
//! served as the agent. The fake API server answers each preflight for the
//! impersonated user; crates/cluster-tests/tests/assist_serve checks the same against a real API server.

mod common;
mod serving;

use std::process::{Command, Stdio};

use common::{FakeApi, Recorded, todo_cluster};
use serving::{APPROVER, OPERATOR, Served, VIEWER, serve};

/// olga and anna are mapped; vera (the viewer) is not.
const MAP: &str = "# name  kubernetes-user  groups\nolga olga@example.com team-web staff\nanna anna@example.com approvers\n";

async fn serve_impersonating(api: &FakeApi) -> (Served, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let map = dir.path().join("impersonate");
    std::fs::write(&map, MAP).unwrap();
    let s = serve(
        api,
        &[
            "--events=false",
            "--impersonate=true",
            "--impersonate-map",
            map.to_str().unwrap(),
        ],
    )
    .await;
    (s, dir)
}

/// The requests that ask the authorizer or could change something: each must act as someone.
fn checked_or_changing(api: &FakeApi) -> Vec<Recorded> {
    api.requests()
        .into_iter()
        .filter(|r| r.method != "GET")
        .collect()
}

fn as_olga(r: &Recorded) -> bool {
    r.impersonate_user.as_deref() == Some("olga@example.com")
        && r.impersonate_groups == ["team-web", "staff"]
}

#[tokio::test]
async fn a_plan_its_dry_run_and_the_approved_write_act_as_the_person_who_asked() {
    let api = FakeApi::start(todo_cluster(), &[]).await;
    let (s, _map) = serve_impersonating(&api).await;
    let plan = s
        .ask_expecting(
            OPERATOR,
            "scale the frontend to 2 replicas",
            202,
            "pending_approval",
        )
        .await;
    let asked = checked_or_changing(&api);
    assert!(
        asked
            .iter()
            .any(|r| r.path.ends_with("/selfsubjectaccessreviews"))
            && !api.dry_runs().is_empty(),
        "a preflight and a dry run: {:?}",
        asked.iter().map(|r| &r.path).collect::<Vec<_>>()
    );
    assert!(
        asked.iter().all(as_olga),
        "the preflight and the dry run act as olga: {:?}",
        asked
            .iter()
            .map(|r| (&r.path, &r.impersonate_user, &r.impersonate_groups))
            .collect::<Vec<_>>()
    );
    // The reads that resolved "the frontend" acted as olga too.
    let reads: Vec<Recorded> = api
        .requests()
        .into_iter()
        .filter(|r| r.method == "GET" && r.path.contains("/namespaces/todo/deployments"))
        .collect();
    assert!(!reads.is_empty() && reads.iter().all(as_olga), "{reads:?}");

    let id = plan["id"].as_str().unwrap();
    s.approve_and_expect_replicas(&api, id, "todo-frontend", 2)
        .await;
    let writes = api.writes();
    assert_eq!(writes.len(), 1, "{writes:?}");
    assert!(
        as_olga(&writes[0]),
        "the approved write runs as olga, who asked, not as anna, who approved: {:?}",
        (&writes[0].impersonate_user, &writes[0].impersonate_groups)
    );
    assert!(
        !api.requests()
            .iter()
            .any(|r| r.impersonate_user.as_deref() == Some("anna@example.com")),
        "approving sends nothing as anna"
    );
}

#[tokio::test]
async fn the_person_s_own_rbac_refuses_and_says_whose_rights_are_missing() {
    let api = FakeApi::start(todo_cluster(), &[]).await;
    // olga's Kubernetes user may not scale; the agent itself could.
    api.deny_to("olga@example.com", "patch deployments/scale");
    let (s, _map) = serve_impersonating(&api).await;
    let plan = s
        .ask_expecting(OPERATOR, "scale the frontend to 2 replicas", 200, "refused")
        .await;
    let msg = plan["message"].as_str().unwrap_or_default();
    assert!(
        msg.contains("olga, acting as the Kubernetes user olga@example.com (groups team-web, staff), cannot patch deployments/scale.apps in todo")
            && msg.contains("ask a cluster admin to grant it to olga@example.com"),
        "{msg}"
    );
    assert!(api.writes().is_empty() && api.dry_runs().is_empty());
    s.assert_audited(&[("decision", "refused_forbidden"), ("user", "olga")]);
}

#[tokio::test]
async fn a_name_the_map_does_not_cover_is_refused_not_served_as_the_agent() {
    let api = FakeApi::start(todo_cluster(), &[]).await;
    let (s, _map) = serve_impersonating(&api).await;
    let before = api.requests().len();
    let (code, body) = s.ask(VIEWER, "list pods").await;
    assert_eq!(code, 403, "{body}");
    let error = body["error"].as_str().unwrap_or_default();
    assert!(
        error.contains("vera has no Kubernetes user in the impersonation map")
            && error.contains("`vera KUBERNETES_USER [GROUP ...]`"),
        "{error}"
    );
    assert!(
        api.requests()[before..]
            .iter()
            .all(|r| r.impersonate_user.is_none()),
        "nothing was sent on vera's behalf as anyone"
    );
    // The approver's own reads act as anna.
    let (code, body) = s.ask(APPROVER, "list pods").await;
    assert_eq!(code, 200, "{body}");
    let acted: Vec<Recorded> = api
        .requests()
        .into_iter()
        .filter(|r| r.impersonate_user.is_some())
        .collect();
    assert!(
        acted.iter().any(|r| r.path.ends_with("/pods"))
            && acted.iter().all(|r| {
                r.impersonate_user.as_deref() == Some("anna@example.com")
                    && r.impersonate_groups == ["approvers"]
            }),
        "{acted:?}"
    );
}

#[test]
fn impersonate_without_a_map_or_with_a_bad_one_stops_at_start_saying_what_to_write() {
    let dir = tempfile::tempdir().unwrap();
    let tokens = dir.path().join("tokens");
    std::fs::write(&tokens, format!("olga operator {OPERATOR}\n")).unwrap();
    let bad = dir.path().join("bad-map");
    std::fs::write(&bad, "olga\n").unwrap();
    for (extra, want) in [
        (vec![], "--impersonate needs --impersonate-map FILE"),
        (
            vec!["--impersonate-map", bad.to_str().unwrap()],
            "line 1: expected `NAME KUBERNETES_USER [GROUP ...]`",
        ),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_kubectl-assist"))
            .args([
                "serve",
                "--impersonate=true",
                "--port",
                "0",
                "--tokens-file",
            ])
            .arg(&tokens)
            .args(&extra)
            .env_remove("KUBECONFIG")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success() && stderr.contains(want),
            "{extra:?}: {stderr}"
        );
    }
}
