//! The app and PostgreSQL images the suites install. Building them is bring-up work that
//! stays in e2e/lib/images.sh (a static `todo` on scratch, Debian's PostgreSQL on the local
//! base); what is asserted about them is in tests/app_image.rs.
//!
//! `target/e2e/images.env` records the tags for the suites that come after (the Helm and
//! raw-manifest suites, kubectl-assist's): [`AppImages::build`] writes it and every suite
//! reads it through [`AppImages::recorded`].

use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::{Cluster, Error, Result};

/// The images of one run.
#[derive(Debug, Clone)]
pub struct AppImages {
    /// `todo-chatbot:e2e-<seconds>`: the app as installed.
    pub app: String,
    /// The same bits under another tag: the "new version" of the upgrade test.
    pub app_v2: String,
    /// `todo-e2e/postgres:15`: the in-chart database.
    pub postgres: String,
    /// Size of `app` as the Docker daemon reports it.
    pub app_bytes: u64,
}

fn env_file(cluster: &Cluster) -> PathBuf {
    cluster.out_dir().join("images.env")
}

/// The seconds since the epoch, for image tags no earlier run used.
pub fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// Runs a function of e2e/lib/images.sh with the cluster's environment; its stdout, trimmed.
pub fn images_sh(cluster: &Cluster, call: &str, args: &[&str]) -> Result<String> {
    let script = format!(". e2e/lib/images.sh && {call} \"$@\"");
    let out = cluster.run(
        cluster
            .command("bash")
            .arg("-c")
            .arg(script)
            .arg(call)
            .args(args),
    )?;
    Ok(out.trim().to_string())
}

/// `docker ARGS...` against the cluster's daemon; stdout, trimmed.
pub fn docker(cluster: &Cluster, args: &[&str]) -> Result<String> {
    Ok(cluster
        .run(cluster.command("docker").args(args))?
        .trim()
        .to_string())
}

/// Whether the cluster's Docker daemon has `image`.
pub fn image_present(cluster: &Cluster, image: &str) -> bool {
    docker(cluster, &["image", "inspect", "-f", "{{.Id}}", image]).is_ok()
}

/// The size in bytes of an image.
pub fn image_bytes(cluster: &Cluster, image: &str) -> Result<u64> {
    let size = docker(cluster, &["image", "inspect", "-f", "{{.Size}}", image])?;
    size.parse()
        .map_err(|_| Error::Check(format!("docker image inspect {image}: size {size:?}")))
}

/// Builds the app image as `todo-chatbot:TAG` (from TODO_E2E_BINARY when set, else a static
/// build); its reference.
pub fn build_app_image(cluster: &Cluster, tag: &str) -> Result<String> {
    let app = images_sh(
        cluster,
        "build_app_image",
        &[&cluster.repo().display().to_string(), tag],
    )?;
    if !app.starts_with("todo-chatbot:") {
        return Err(Error::Check(format!(
            "build_app_image printed {app:?}, not an image reference"
        )));
    }
    Ok(app)
}

impl AppImages {
    /// Builds the app image and the PostgreSQL image, tags the upgrade's "v2", and records
    /// them in images.env.
    pub fn build(cluster: &Cluster) -> Result<Self> {
        let app = build_app_image(cluster, &format!("e2e-{}", now_secs()))?;
        let app_v2 = format!("{app}-v2");
        docker(cluster, &["tag", &app, &app_v2])?;
        let postgres = images_sh(
            cluster,
            "build_postgres_image",
            &[&cluster.repo().display().to_string()],
        )?;
        let images = Self {
            app_bytes: image_bytes(cluster, &app)?,
            app,
            app_v2,
            postgres,
        };
        images.record(cluster)?;
        Ok(images)
    }

    /// The images of images.env when the daemon still has them all, else fresh ones.
    pub fn ensure(cluster: &Cluster) -> Result<Self> {
        match Self::recorded(cluster) {
            Some(images) => {
                println!(
                    "    images from {}: {} and {}",
                    env_file(cluster).display(),
                    images.app,
                    images.postgres
                );
                Ok(images)
            }
            None => Self::build(cluster),
        }
    }

    /// The images images.env records, when it is complete and the daemon has every one.
    pub fn recorded(cluster: &Cluster) -> Option<Self> {
        let text = std::fs::read_to_string(env_file(cluster)).ok()?;
        let images = parse_env(&text)?;
        [&images.app, &images.app_v2, &images.postgres]
            .iter()
            .all(|image| image_present(cluster, image))
            .then_some(images)
    }

    /// The app image and its "v2" tag for a suite that installs only the app: the recorded
    /// ones when the daemon has them, else the app built as `todo-chatbot:TAG_PREFIX-<secs>`
    /// and tagged again (nothing is recorded: the app suites own images.env).
    pub fn app_only(cluster: &Cluster, tag_prefix: &str) -> Result<(String, String)> {
        let recorded = std::fs::read_to_string(env_file(cluster))
            .ok()
            .and_then(|text| parse_env(&text))
            .filter(|i| image_present(cluster, &i.app) && image_present(cluster, &i.app_v2));
        if let Some(images) = recorded {
            return Ok((images.app, images.app_v2));
        }
        let app = build_app_image(cluster, &format!("{tag_prefix}-{}", now_secs()))?;
        let v2 = format!("{app}-v2");
        docker(cluster, &["tag", &app, &v2])?;
        Ok((app, v2))
    }

    fn record(&self, cluster: &Cluster) -> Result<()> {
        let path = env_file(cluster);
        let text = format!(
            "APP_IMAGE={}\nAPP_IMAGE_V2={}\nPG_IMAGE={}\nIMAGE_BYTES={}\n",
            self.app, self.app_v2, self.postgres, self.app_bytes
        );
        std::fs::create_dir_all(cluster.out_dir())
            .and_then(|()| std::fs::write(&path, text))
            .map_err(|e| Error::File {
                path: path.display().to_string(),
                message: format!("cannot write it: {e}"),
            })
    }

    /// The helm flags that point the chart at these local images (never pulled).
    pub fn helm_flags(&self) -> Vec<String> {
        let (repo, tag) = self.app.split_once(':').unwrap_or((&self.app, "latest"));
        let (pg_repo, pg_tag) = self
            .postgres
            .split_once(':')
            .unwrap_or((&self.postgres, "latest"));
        [
            format!("image.repository={repo}"),
            format!("image.tag={tag}"),
            "image.pullPolicy=Never".into(),
            format!("postgresql.image.repository={pg_repo}"),
            "postgresql.image.pullPolicy=Never".into(),
            "tests.image=busybox:e2e".into(),
            "tests.pullPolicy=Never".into(),
        ]
        .into_iter()
        .flat_map(|v| ["--set".to_string(), v])
        .chain([
            "--set-string".into(),
            format!("postgresql.image.tag={pg_tag}"),
        ])
        .collect()
    }

    /// The tag of the upgrade's "new version".
    pub fn v2_tag(&self) -> &str {
        self.app_v2.split_once(':').map_or("", |(_, t)| t)
    }
}

/// images.env's `NAME=VALUE` lines; None when a name is missing or empty.
fn parse_env(text: &str) -> Option<AppImages> {
    let var = |name: &str| {
        text.lines()
            .filter_map(|l| l.split_once('='))
            .find(|(k, _)| k.trim() == name)
            .map(|(_, v)| v.trim().trim_matches(|c| c == '\'' || c == '"').to_string())
            .filter(|v| !v.is_empty())
    };
    Some(AppImages {
        app: var("APP_IMAGE")?,
        app_v2: var("APP_IMAGE_V2")?,
        postgres: var("PG_IMAGE")?,
        app_bytes: var("IMAGE_BYTES")?.parse().ok()?,
    })
}

#[cfg(test)]
mod tests {
    use super::parse_env;

    #[test]
    fn images_env_round_trips_and_rejects_a_missing_name() {
        let images = parse_env(
            "APP_IMAGE=todo-chatbot:e2e-1\nAPP_IMAGE_V2='todo-chatbot:e2e-1-v2'\nPG_IMAGE=todo-e2e/postgres:15\nIMAGE_BYTES=21000000\n",
        )
        .expect("a complete file");
        assert_eq!(images.app, "todo-chatbot:e2e-1");
        assert_eq!(images.app_v2, "todo-chatbot:e2e-1-v2");
        assert_eq!(images.v2_tag(), "e2e-1-v2");
        assert_eq!(images.app_bytes, 21_000_000);
        // APP_IMAGE_V2 must not be read as APP_IMAGE (a prefix match would).
        assert!(parse_env("APP_IMAGE_V2=x:1\nPG_IMAGE=p:1\nIMAGE_BYTES=1\n").is_none());
        assert!(parse_env("APP_IMAGE=x:1\nAPP_IMAGE_V2=x:2\nPG_IMAGE=\nIMAGE_BYTES=1\n").is_none());
    }
}
