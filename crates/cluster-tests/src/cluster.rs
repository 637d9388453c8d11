use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use kube::config::{KubeConfigOptions, Kubeconfig};

use crate::{Error, Result};

/// The local cluster as `e2e/cluster env` describes it: its kubeconfig, the Docker daemon
/// whose images its kubelet runs, the node's address and the PATH holding the kubectl and
/// helm built for it.
#[derive(Debug, Clone)]
pub struct Cluster {
    repo: PathBuf,
    env: BTreeMap<String, String>,
}

impl Cluster {
    /// Reads `e2e/cluster env` and checks that the API server answers.
    pub fn from_env() -> Result<Self> {
        let repo = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .canonicalize()
            .map_err(|e| Error::NotUp(format!("cannot find the repository: {e}")))?;
        let script = repo.join("e2e/cluster");
        let out = Command::new(&script)
            .arg("env")
            .output()
            .map_err(|source| Error::Spawn {
                program: script.display().to_string(),
                source,
            })?;
        if !out.status.success() {
            return Err(Error::NotUp(format!(
                "e2e/cluster env: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        let env = parse_exports(&String::from_utf8_lossy(&out.stdout));
        let cluster = Self { repo, env };
        if !cluster.kubeconfig().is_file() {
            return Err(Error::NotUp(format!(
                "no kubeconfig at {}",
                cluster.kubeconfig().display()
            )));
        }
        cluster
            .kubectl(["get", "--raw", "/readyz"])
            .map_err(|e| Error::NotUp(e.to_string()))?;
        Ok(cluster)
    }

    /// The repository root (charts, manifests, Dockerfiles, e2e/).
    pub fn repo(&self) -> &Path {
        &self.repo
    }

    /// `target/e2e` of the repository: renders, logs and other files a run leaves.
    pub fn out_dir(&self) -> PathBuf {
        self.repo.join("target/e2e")
    }

    pub fn kubeconfig(&self) -> PathBuf {
        PathBuf::from(self.var("KUBECONFIG"))
    }

    /// The node's address on docker0: NodePorts and the e2e registry answer there.
    pub fn node_ip(&self) -> String {
        self.var("TODO_E2E_NODE_IP")
    }

    /// One variable of `e2e/cluster env` (empty when it does not set it).
    pub fn var(&self, name: &str) -> String {
        self.env.get(name).cloned().unwrap_or_default()
    }

    /// `program` with the cluster's environment (KUBECONFIG, DOCKER_HOST, PATH with its
    /// kubectl and helm) and the repository as working directory.
    pub fn command(&self, program: &str) -> Command {
        let mut cmd = Command::new(program);
        cmd.current_dir(&self.repo).envs(&self.env);
        cmd
    }

    /// Runs `cmd` and returns its stdout; a non-zero exit is an error carrying stderr.
    pub fn run(&self, cmd: &mut Command) -> Result<String> {
        let out = output(cmd)?;
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// `kubectl ARGS...` against the cluster; stdout on success.
    pub fn kubectl<I, S>(&self, args: I) -> Result<String>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        self.run(self.command("kubectl").args(args))
    }

    /// `helm ARGS...` against the cluster; stdout on success.
    pub fn helm<I, S>(&self, args: I) -> Result<String>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        self.run(self.command("helm").args(args))
    }

    /// A client for the cluster's API server, from its kubeconfig.
    pub async fn client(&self) -> Result<kube::Client> {
        let path = self.kubeconfig();
        let kubeconfig = Kubeconfig::read_from(&path).map_err(|e| Error::Kubeconfig {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        let config =
            kube::Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
                .await
                .map_err(|e| Error::Kubeconfig {
                    path: path.display().to_string(),
                    message: e.to_string(),
                })?;
        Ok(kube::Client::try_from(config)?)
    }
}

/// Runs `cmd` to completion; a non-zero exit is an error naming the command and its stderr.
fn output(cmd: &mut Command) -> Result<Output> {
    let program = cmd.get_program().to_string_lossy().into_owned();
    let out = cmd.output().map_err(|source| Error::Spawn {
        program: program.clone(),
        source,
    })?;
    if out.status.success() {
        return Ok(out);
    }
    let args: Vec<String> = cmd
        .get_args()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    Err(Error::Command {
        command: format!("{program} {}", args.join(" ")),
        status: out.status,
        stderr: String::from_utf8_lossy(&out.stderr).trim().to_string(),
    })
}

/// `export NAME=VALUE` lines as `e2e/cluster env` prints them; `$PATH` in a value is this
/// process's PATH (the script prepends the cluster's bin directories to it).
fn parse_exports(text: &str) -> BTreeMap<String, String> {
    let path = std::env::var("PATH").unwrap_or_default();
    text.lines()
        .filter_map(|line| line.trim().strip_prefix("export "))
        .filter_map(|assignment| assignment.split_once('='))
        .map(|(name, value)| {
            let value = value.trim_matches(|c| c == '"' || c == '\'');
            (name.to_string(), value.replace("$PATH", &path))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::parse_exports;

    #[test]
    fn exports_are_parsed_and_path_is_expanded() {
        // SAFETY-free: reads PATH only.
        let path = std::env::var("PATH").unwrap_or_default();
        let env = parse_exports(
            "export KUBECONFIG=/r/target/e2e/kubeconfig\nexport PATH=/k8s/bin:$PATH\nnot an export\n",
        );
        assert_eq!(env["KUBECONFIG"], "/r/target/e2e/kubeconfig");
        assert_eq!(env["PATH"], format!("/k8s/bin:{path}"));
        assert_eq!(env.len(), 2);
    }
}
