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
    pub identity: Identity,
}

fn os_user() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "unknown".into())
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
    let client = Client::try_from(config)
        .map_err(|e| AssistError::Config(format!("cannot build a client: {e}")))?;
    Ok(Connection { client, identity })
}
