//! The harness itself against the real cluster: `e2e/cluster env` is read, kubectl and the
//! kube client both reach the API server, and a TestNamespace is gone after it is dropped.

use cluster_tests::{Cluster, TestNamespace};
use k8s_openapi::api::core::v1::{Namespace, Node};
use kube::Api;

#[tokio::test]
#[ignore = "needs the local cluster (e2e/cluster up)"]
async fn harness_reaches_the_cluster_and_cleans_up() {
    let cluster = Cluster::from_env().expect("cluster");
    let client = cluster.client().await.expect("client");
    let nodes = Api::<Node>::all(client.clone())
        .list(&Default::default())
        .await
        .expect("list nodes");
    assert!(!nodes.items.is_empty(), "the cluster has no Node");

    let name = "cluster-tests-smoke";
    {
        let ns = TestNamespace::create(&cluster, name).expect("namespace");
        let api = Api::<Namespace>::all(client.clone());
        assert!(api.get_opt(ns.name()).await.expect("get").is_some());
    }
    // Dropped: deletion has started (it may still be Terminating).
    let api = Api::<Namespace>::all(client);
    let left = api.get_opt(name).await.expect("get");
    assert!(
        left.is_none_or(|n| n.metadata.deletion_timestamp.is_some()),
        "the namespace was not deleted when its guard was dropped"
    );
}
