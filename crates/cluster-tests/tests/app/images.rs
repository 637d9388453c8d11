//! The app and PostgreSQL images the suites install. Building them is bring-up work that
//! stays in e2e/lib/images.sh (a static `todo` on scratch, Debian's PostgreSQL on the local
//! base); what is asserted about them is here and in tests/app_image.rs.
//!
//! `target/e2e/images.env` records the tags for the suites that come after (the Helm and
//! raw-manifest suites here, kubectl-assist's in e2e/assist) in the shell format they read.

use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use cluster_tests::Cluster;

use super::{AppTestError, Result, fail, note};

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

/// Runs a function of e2e/lib/images.sh with the cluster's environment; its stdout.
fn images_sh(cluster: &Cluster, call: &str, args: &[&str]) -> Result<String> {
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

/// The size in bytes of an image.
pub fn image_bytes(cluster: &Cluster, image: &str) -> Result<u64> {
    let size = docker(cluster, &["image", "inspect", "-f", "{{.Size}}", image])?;
    size.parse()
        .map_err(|_| AppTestError::Check(format!("docker image inspect {image}: size {size:?}")))
}

impl AppImages {
    /// Builds the app image (from TODO_E2E_BINARY when set, else a static build) and the
    /// PostgreSQL image, tags the upgrade's "v2", and records them in images.env.
    pub fn build(cluster: &Cluster) -> Result<Self> {
        let secs = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        let app = images_sh(
            cluster,
            "build_app_image",
            &[
                &cluster.repo().display().to_string(),
                &format!("e2e-{secs}"),
            ],
        )?;
        if !app.starts_with("todo-chatbot:") {
            return fail(format!(
                "build_app_image printed {app:?}, not an image reference"
            ));
        }
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

    /// The images of images.env when they are still in the daemon, else fresh ones.
    pub fn ensure(cluster: &Cluster) -> Result<Self> {
        if let Some(images) = Self::recorded(cluster) {
            let present = [&images.app, &images.app_v2, &images.postgres]
                .iter()
                .all(|i| docker(cluster, &["image", "inspect", "-f", "{{.Id}}", i]).is_ok());
            if present {
                note(format!(
                    "images from {}: {} and {}",
                    env_file(cluster).display(),
                    images.app,
                    images.postgres
                ));
                return Ok(images);
            }
        }
        Self::build(cluster)
    }

    fn recorded(cluster: &Cluster) -> Option<Self> {
        let text = std::fs::read_to_string(env_file(cluster)).ok()?;
        let var = |name: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(name)?.strip_prefix('='))
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        Some(Self {
            app: var("APP_IMAGE")?,
            app_v2: var("APP_IMAGE_V2")?,
            postgres: var("PG_IMAGE")?,
            app_bytes: var("IMAGE_BYTES")?.parse().ok()?,
        })
    }

    fn record(&self, cluster: &Cluster) -> Result<()> {
        let path = env_file(cluster);
        let text = format!(
            "APP_IMAGE={}\nAPP_IMAGE_V2={}\nPG_IMAGE={}\nIMAGE_BYTES={}\n",
            self.app, self.app_v2, self.postgres, self.app_bytes
        );
        std::fs::create_dir_all(cluster.out_dir())
            .and_then(|()| std::fs::write(&path, text))
            .map_err(|source| AppTestError::Io {
                context: format!("writing {}", path.display()),
                source,
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
