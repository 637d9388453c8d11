//! `--impersonate`: the agent acts as the person who asked, through Kubernetes
//! impersonation (the `Impersonate-User` / `Impersonate-Group` headers kube-rs
//! sends for `auth_info.impersonate` / `impersonate_groups`), so that person's own
//! RBAC decides what the API server allows. The agent's ServiceAccount then needs
//! only the `impersonate` verb on the mapped users and groups.
//!
//! Who is who comes from a map file (`--impersonate-map`), one line per signed-in
//! name (a token's name, or a trusted-header user):
//! `NAME KUBERNETES_USER [GROUP ...]`; a `*` line covers every other name, with
//! `{name}` in its user replaced by the signed-in name. A name the map does not
//! cover gets nothing from the cluster: it is refused, never run as the agent.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;

use kube::{Client, Config};

use super::error::{ServeError, ServeResult};
use crate::ops::{ExecOptions, Executor};

/// The Kubernetes user (and groups) one signed-in person acts as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KubeIdentity {
    pub user: String,
    pub groups: Vec<String>,
}

impl KubeIdentity {
    /// `user` or `user (groups a, b)`, for messages.
    pub fn describe(&self) -> String {
        if self.groups.is_empty() {
            self.user.clone()
        } else {
            format!("{} (groups {})", self.user, self.groups.join(", "))
        }
    }
}

/// The parsed `--impersonate-map`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImpersonationMap {
    named: HashMap<String, KubeIdentity>,
    /// The `*` line: a user template with `{name}`, and its groups.
    otherwise: Option<KubeIdentity>,
}

/// What the `*` line may turn a name into: never a `system:` identity, whatever name the
/// authenticating proxy sends (a proxy user called `system:admin` must not become it).
const RESERVED_PREFIX: &str = "system:";

impl ImpersonationMap {
    /// Parse the map; errors name the line and say what a line looks like.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut map = Self::default();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut words = line.split_whitespace();
            let (Some(name), Some(user)) = (words.next(), words.next()) else {
                return Err(format!(
                    "impersonation map line {}: expected `NAME KUBERNETES_USER [GROUP ...]`, got {line:?}",
                    i + 1
                ));
            };
            let identity = KubeIdentity {
                user: user.to_string(),
                groups: words.map(str::to_string).collect(),
            };
            if name == "*" {
                if map.otherwise.replace(identity).is_some() {
                    return Err(format!(
                        "impersonation map line {}: a second `*` line; keep one",
                        i + 1
                    ));
                }
            } else if user.contains("{name}") {
                return Err(format!(
                    "impersonation map line {}: `{{name}}` is only replaced on the `*` line; give {name}'s Kubernetes user",
                    i + 1
                ));
            } else if map.named.insert(name.to_string(), identity).is_some() {
                return Err(format!(
                    "impersonation map line {}: {name} is listed twice",
                    i + 1
                ));
            }
        }
        if map.named.is_empty() && map.otherwise.is_none() {
            return Err("the impersonation map lists nobody: add lines `NAME KUBERNETES_USER [GROUP ...]` (or `* {name}`)".into());
        }
        Ok(map)
    }

    pub fn load(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read the impersonation map {}: {e}", path.display()))?;
        Self::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Who `name` acts as, or why nobody.
    pub fn identity(&self, name: &str) -> Result<KubeIdentity, String> {
        if let Some(id) = self.named.get(name) {
            return Ok(id.clone());
        }
        let Some(template) = &self.otherwise else {
            return Err(format!(
                "{name} has no Kubernetes user in the impersonation map (--impersonate): ask whoever runs the agent to add a line `{name} KUBERNETES_USER [GROUP ...]`"
            ));
        };
        let user = template.user.replace("{name}", name);
        if user.starts_with(RESERVED_PREFIX) && !template.user.starts_with(RESERVED_PREFIX) {
            return Err(format!(
                "{name} would be impersonated as the reserved Kubernetes user {user}; refused. List the name on its own line of the impersonation map"
            ));
        }
        Ok(KubeIdentity {
            user,
            groups: template.groups.clone(),
        })
    }
}

/// Builds (once per person) the executor that acts as that person.
pub struct Impersonation {
    map: ImpersonationMap,
    /// The agent's own connection (its ServiceAccount), which the impersonation headers ride on.
    base: Config,
    executors: Mutex<HashMap<String, (KubeIdentity, Executor)>>,
}

impl Impersonation {
    pub fn new(map: ImpersonationMap, base: Config) -> Self {
        Self {
            map,
            base,
            executors: Mutex::new(HashMap::new()),
        }
    }

    /// Who `name` acts as in the cluster.
    pub fn identity(&self, name: &str) -> ServeResult<KubeIdentity> {
        self.map.identity(name).map_err(ServeError::Forbidden)
    }

    /// The executor acting as `name`'s Kubernetes identity.
    pub fn executor(&self, name: &str) -> ServeResult<(KubeIdentity, Executor)> {
        let mut cache = self.executors.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(found) = cache.get(name) {
            return Ok(found.clone());
        }
        let identity = self.identity(name)?;
        let mut config = self.base.clone();
        config.auth_info.impersonate = Some(identity.user.clone());
        config.auth_info.impersonate_groups =
            (!identity.groups.is_empty()).then(|| identity.groups.clone());
        let mut once = config.clone();
        once.default_retry = false;
        let build = |c: Config| {
            Client::try_from(c).map_err(|e| {
                ServeError::Assist(crate::AssistError::Config(format!(
                    "cannot build a client impersonating {}: {e}",
                    identity.user
                )))
            })
        };
        let exec = serve_executor(build(config)?).with_unretried(build(once)?);
        cache.insert(name.to_string(), (identity.clone(), exec.clone()));
        Ok((identity, exec))
    }
}

/// The executor the server runs plans with: real writes, no progress lines on stderr.
pub fn serve_executor(client: Client) -> Executor {
    Executor::new(
        client,
        ExecOptions {
            dry_run: false,
            progress: false,
            ..Default::default()
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_lines_and_the_star_line_map_names_to_users_and_groups() {
        let map = ImpersonationMap::parse(
            "# who is who\nolga olga@example.com team-web\n\n* sso:{name} staff readers\n",
        )
        .unwrap();
        assert_eq!(
            map.identity("olga").unwrap(),
            KubeIdentity {
                user: "olga@example.com".into(),
                groups: vec!["team-web".into()]
            }
        );
        assert_eq!(
            map.identity("otto").unwrap(),
            KubeIdentity {
                user: "sso:otto".into(),
                groups: vec!["staff".into(), "readers".into()]
            }
        );
    }

    #[test]
    fn an_unmapped_name_is_refused_and_says_what_to_add() {
        let map = ImpersonationMap::parse("olga olga@example.com\n").unwrap();
        let e = map.identity("vera").unwrap_err();
        assert!(
            e.contains("vera has no Kubernetes user") && e.contains("`vera KUBERNETES_USER"),
            "{e}"
        );
    }

    #[test]
    fn the_star_line_never_yields_a_system_user() {
        let map = ImpersonationMap::parse("* {name}\n").unwrap();
        assert!(
            map.identity("system:admin")
                .unwrap_err()
                .contains("reserved")
        );
        assert_eq!(map.identity("olga").unwrap().user, "olga");
    }

    #[test]
    fn bad_maps_name_the_line() {
        for (text, want) in [
            ("olga\n", "line 1: expected"),
            ("a x\n* y\n* z\n", "line 3: a second `*`"),
            ("olga u\nolga v\n", "line 2: olga is listed twice"),
            ("olga {name}\n", "only replaced on the `*` line"),
            ("# nobody\n", "lists nobody"),
        ] {
            let e = ImpersonationMap::parse(text).unwrap_err();
            assert!(e.contains(want), "{text:?}: {e}");
        }
    }
}
