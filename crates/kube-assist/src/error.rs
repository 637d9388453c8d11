use thiserror::Error;

/// Everything that can go wrong in kubectl-assist. Each message says what happened
/// and, where the operator can do something about it, what to do next.
#[derive(Debug, Error)]
pub enum AssistError {
    #[error(
        "no usable Kubernetes configuration: {0}. Point kubectl-assist at a cluster with \
         --kubeconfig PATH (or the KUBECONFIG environment variable), pick a context with \
         --context NAME, or run it inside a pod with a service account"
    )]
    Config(String),

    #[error("the Kubernetes API answered {code} {reason}: {message}{hint}")]
    Api {
        code: u16,
        reason: String,
        message: String,
        hint: String,
    },

    #[error(
        "cannot reach the Kubernetes API: {0}. Check that the cluster is up and that the kubeconfig points at it"
    )]
    Transport(String),

    #[error("{0}")]
    NotFound(String),

    #[error("\"{hint}\" matches several objects: {}. Say which one, e.g. with -n NAMESPACE or the full name", candidates.join(", "))]
    Ambiguous {
        hint: String,
        candidates: Vec<String>,
        /// The same candidates as complete targets, so a session can ask which.
        targets: Vec<crate::ops::Target>,
    },

    #[error("refused: {0}")]
    Refused(String),

    #[error("{0}")]
    Invalid(String),

    #[error("timed out after {seconds}s waiting for {what}")]
    Timeout { what: String, seconds: u64 },

    #[error("LLM planner: {0}")]
    Llm(String),

    #[error("audit log {path}: {message}. Choose another file with --audit-log PATH")]
    Audit { path: String, message: String },

    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
}

pub type Result<T, E = AssistError> = std::result::Result<T, E>;

impl From<kube::Error> for AssistError {
    fn from(e: kube::Error) -> Self {
        match e {
            kube::Error::Api(status) => {
                let hint = match status.code {
                    401 => {
                        ". Your credentials were rejected: refresh the kubeconfig's token or certificate"
                    }
                    403 => {
                        ". Your user lacks the RBAC permission for this: ask a cluster admin, or use --read-only"
                    }
                    404 => ". The object or API does not exist (check the name and -n NAMESPACE)",
                    409 => {
                        ". Someone else changed the object at the same time: run the request again"
                    }
                    422 => ". The API server rejected the change as invalid",
                    _ => "",
                };
                AssistError::Api {
                    code: status.code,
                    reason: status.reason.clone(),
                    message: status.message.clone(),
                    hint: hint.to_string(),
                }
            }
            kube::Error::InferConfig(e) => AssistError::Config(e.to_string()),
            kube::Error::HyperError(e) => AssistError::Transport(e.to_string()),
            kube::Error::Service(e) => AssistError::Transport(e.to_string()),
            other => AssistError::Transport(other.to_string()),
        }
    }
}

impl AssistError {
    /// True for a 404 from the API server: callers use it to fall back (metrics API
    /// missing, object gone) instead of failing.
    pub fn is_not_found(&self) -> bool {
        matches!(self, AssistError::Api { code: 404, .. })
    }

    /// True for a 409 Conflict: the object changed since its resourceVersion was read.
    pub fn is_conflict(&self) -> bool {
        matches!(self, AssistError::Api { code: 409, .. })
    }
}
