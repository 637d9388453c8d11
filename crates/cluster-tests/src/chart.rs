//! The Todo Chatbot's chart as the kubectl-assist suites install it: the app they operate on.

use crate::{Cluster, Result};

/// `helm install RELEASE helm/todo-chart` into `namespace` (created when missing) with one
/// backend and one frontend of the local `image` (never pulled), waiting up to 300 s for
/// the rollout; helm's output.
pub fn install_app(
    cluster: &Cluster,
    release: &str,
    namespace: &str,
    image: &str,
) -> Result<String> {
    let (repository, tag) = image.split_once(':').unwrap_or((image, "latest"));
    let chart = cluster.repo().join("helm/todo-chart");
    cluster.helm(install_args(
        release,
        namespace,
        repository,
        tag,
        &chart.display().to_string(),
    ))
}

fn install_args(
    release: &str,
    namespace: &str,
    repository: &str,
    tag: &str,
    chart: &str,
) -> Vec<String> {
    let mut args: Vec<String> = [
        "install",
        release,
        chart,
        "-n",
        namespace,
        "--create-namespace",
    ]
    .map(String::from)
    .to_vec();
    for value in [
        "namespace.create=false".to_string(),
        "backend.replicaCount=1".into(),
        "frontend.replicaCount=1".into(),
        format!("image.repository={repository}"),
        format!("image.tag={tag}"),
        "image.pullPolicy=Never".into(),
        "tests.image=busybox:e2e".into(),
        "tests.pullPolicy=Never".into(),
    ] {
        args.push("--set".into());
        args.push(value);
    }
    args.extend(["--wait", "--timeout", "300s"].map(String::from));
    args
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_image_reference_is_split_into_repository_and_tag() {
        let args = super::install_args("app", "ns", "todo-chatbot", "e2e-1", "/r/helm/todo-chart");
        let joined = args.join(" ");
        assert!(joined.starts_with("install app /r/helm/todo-chart -n ns --create-namespace"));
        assert!(joined.contains("--set image.repository=todo-chatbot --set image.tag=e2e-1"));
        assert!(joined.contains("--set image.pullPolicy=Never"));
        assert!(joined.ends_with("--wait --timeout 300s"));
    }
}
