//! Connecting to a cluster the way kubectl does: `--kubeconfig`, else
//! `KUBECONFIG`, else `~/.kube/config`, else the pod's service account.

use std::path::PathBuf;

use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};
use tracing::instrument;

use crate::error::{AssistError, Result};

/// Who is acting, for the audit log.
#[derive(Debug, Clone, Default)]
pub struct Identity {
    pub user: String,
    pub context: String,
}

/// A connected client and who it acts as.
pub struct Connection {
    pub client: Client,
    /// The same cluster without kube-rs's default retries: an Eviction a
    /// PodDisruptionBudget refuses answers 429, which must stop a drain at once
    /// rather than be retried for minutes.
    pub unretried: Client,
    pub identity: Identity,
    /// What both clients were built from: `serve --impersonate` builds one more pair
    /// per person from it, with the impersonation headers added.
    pub config: Config,
}

/// The local user, for the audit log: `$USER`, else the name of this process's uid
/// in /etc/passwd (CI and containers often have no `$USER`), else the uid.
fn os_user() -> String {
    if let Some(u) = std::env::var("USER")
        .ok()
        .or_else(|| std::env::var("LOGNAME").ok())
        .filter(|u| !u.is_empty())
    {
        return u;
    }
    let uid = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .map(str::to_string)
        });
    let Some(uid) = uid else {
        return "unknown".into();
    };
    std::fs::read_to_string("/etc/passwd")
        .ok()
        .and_then(|p| {
            p.lines().find_map(|l| {
                let f: Vec<&str> = l.split(':').collect();
                (f.len() > 2 && f[2] == uid).then(|| f[0].to_string())
            })
        })
        .unwrap_or_else(|| format!("uid {uid}"))
}

/// Connect using kubectl's rules.
#[instrument]
pub async fn connect(kubeconfig: Option<PathBuf>, context: Option<String>) -> Result<Connection> {
    let options = KubeConfigOptions {
        context: context.clone(),
        ..Default::default()
    };
    let loaded = match &kubeconfig {
        Some(path) => Some(
            Kubeconfig::read_from(path)
                .map_err(|e| AssistError::Config(format!("cannot read {}: {e}", path.display())))?,
        ),
        None => match Kubeconfig::read() {
            Ok(kc) => Some(kc),
            Err(_) if std::env::var_os("KUBERNETES_SERVICE_HOST").is_some() => None,
            Err(e) => {
                let hint = std::env::var("KUBECONFIG")
                    .map(|k| format!("KUBECONFIG={k}: "))
                    .unwrap_or_else(|_| "~/.kube/config: ".into());
                return Err(AssistError::Config(format!("{hint}{e}")));
            }
        },
    };
    let (config, identity) = match loaded {
        Some(kc) => {
            let ctx_name = context
                .clone()
                .or_else(|| kc.current_context.clone())
                .unwrap_or_default();
            let kube_user = kc
                .contexts
                .iter()
                .find(|c| c.name == ctx_name)
                .and_then(|c| c.context.as_ref())
                .and_then(|c| c.user.clone())
                .unwrap_or_else(|| "?".into());
            if !kc.contexts.iter().any(|c| c.name == ctx_name) {
                let known: Vec<&str> = kc.contexts.iter().map(|c| c.name.as_str()).collect();
                return Err(AssistError::Config(format!(
                    "context {ctx_name:?} is not in the kubeconfig (it has: {})",
                    known.join(", ")
                )));
            }
            let config = Config::from_custom_kubeconfig(kc, &options)
                .await
                .map_err(|e| AssistError::Config(e.to_string()))?;
            (
                config,
                Identity {
                    user: format!("{} as {kube_user}", os_user()),
                    context: ctx_name,
                },
            )
        }
        None => {
            let config = Config::incluster()
                .map_err(|e| AssistError::Config(format!("in-cluster configuration: {e}")))?;
            (
                config,
                Identity {
                    user: format!("{} as serviceaccount", os_user()),
                    context: "in-cluster".into(),
                },
            )
        }
    };
    let mut once = config.clone();
    once.default_retry = false;
    let client = Client::try_from(config.clone())
        .map_err(|e| AssistError::Config(format!("cannot build a client: {e}")))?;
    let unretried = Client::try_from(once)
        .map_err(|e| AssistError::Config(format!("cannot build a client: {e}")))?;
    Ok(Connection {
        client,
        unretried,
        identity,
        config,
    })
}
