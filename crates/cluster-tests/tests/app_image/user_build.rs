//! The user Dockerfile's default target, built offline with both builders: FROM the builder
//! base made locally (e2e/lib/builder-base.sh: Debian's packages plus this machine's Rust),
//! crates vendored into a cached build context. Then the image runs as a user would, and the
//! dependency layer keeps its promise (a cache hit when nothing it depends on changed).

use std::fs::File;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use cluster_tests::Cluster;

use crate::app::api::http_client;
use crate::app::{AppTestError, Result, fail, note};
use crate::build_log::{Builder, CargoStep, StepState, dependency_layer_image, step_state};

/// The build arguments of this test: the Dockerfile's structure is under test (which stages
/// each builder runs), not fat LTO or optimisation; a quick profile keeps two builds within
/// CI's budget.
const QUICK_PROFILE: [&str; 3] = ["LTO=off", "CODEGEN_UNITS=16", "OPT_LEVEL=0"];

/// The memory a user's build must fit in (the README's figure): the legacy builder runs
/// each step under this limit (`docker build --memory`; BuildKit has no such flag).
const BUILD_MEMORY: &str = "2g";

/// Which build arguments: the quick profile, or with `E2E_DOCKERFILE_PROFILE=release` none
/// (the Dockerfile's defaults, what `docker build -t todo-chatbot:0.1.0 .` builds: opt-level
/// 3, fat LTO, one codegen unit), for a measured run outside CI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Profile {
    Quick,
    Release,
}

impl Profile {
    fn from_env() -> Result<Self> {
        match std::env::var("E2E_DOCKERFILE_PROFILE").as_deref() {
            Err(_) | Ok("") | Ok("quick") => Ok(Self::Quick),
            Ok("release") => Ok(Self::Release),
            Ok(other) => fail(format!(
                "E2E_DOCKERFILE_PROFILE={other:?}: use `quick` (the default) or `release`"
            )),
        }
    }

    fn build_args(self) -> &'static [&'static str] {
        match self {
            Self::Quick => &QUICK_PROFILE,
            Self::Release => &[],
        }
    }

    /// A suffix for tags and stamps, so the profiles never overwrite each other's.
    fn suffix(self) -> &'static str {
        match self {
            Self::Quick => "",
            Self::Release => "-release",
        }
    }
}

const DOCKER: &str = "/usr/bin/docker";

fn io(context: String) -> impl FnOnce(std::io::Error) -> AppTestError {
    move |source| AppTestError::Io { context, source }
}

fn cache_dir() -> PathBuf {
    std::env::var("TODO_CACHE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(".cache/todo-chatbot")
        })
}

fn logs_dir(cluster: &Cluster) -> PathBuf {
    cluster.out_dir().join("logs")
}

/// Runs a function of e2e/lib/builder-base.sh; its stdout lines.
fn builder_base_sh(cluster: &Cluster, call: &str, args: &[&str]) -> Result<String> {
    let script = format!(". e2e/lib/builder-base.sh && {call} \"$@\"");
    Ok(cluster.run(
        cluster
            .command("bash")
            .arg("-c")
            .arg(script)
            .arg(call)
            .args(args),
    )?)
}

fn docker(cluster: &Cluster, args: &[&str]) -> Result<String> {
    Ok(cluster
        .run(cluster.command(DOCKER).args(args))?
        .trim()
        .to_string())
}

/// The builders to run: `E2E_DOCKERFILE_BUILDERS` (comma-separated names), else Docker's two.
/// Podman is opt-in: it is a third full build, which CI's time budget has no room for.
fn builders() -> Result<Vec<Builder>> {
    let Ok(list) = std::env::var("E2E_DOCKERFILE_BUILDERS") else {
        return Ok(vec![Builder::Legacy, Builder::BuildKit]);
    };
    list.split(',')
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(|name| {
            Builder::ALL
                .into_iter()
                .find(|b| b.name() == name)
                .ok_or_else(|| {
                    AppTestError::Check(format!(
                        "E2E_DOCKERFILE_BUILDERS: no builder {name:?}; use legacy, buildkit, podman"
                    ))
                })
        })
        .collect()
}

/// The image a builder's build is tagged with (Podman's local names are `localhost/...`, and
/// the image keeps that name when it is handed to Docker to run).
fn image_tag(builder: Builder, suffix: &str) -> String {
    let b = builder.name();
    match builder {
        Builder::Podman => format!("localhost/todo-chatbot:user-{b}{suffix}"),
        Builder::Legacy | Builder::BuildKit => format!("todo-chatbot:user-{b}{suffix}"),
    }
}

/// Runs `cmd` with its stdout and stderr appended to `log`; whether it passed.
fn run_into_log(mut cmd: std::process::Command, log: &Path, what: &str) -> Result<bool> {
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .map_err(io(format!("opening {}", log.display())))?;
    let err = file
        .try_clone()
        .map_err(io(format!("opening {}", log.display())))?;
    let status = cmd
        .stdout(Stdio::from(file))
        .stderr(Stdio::from(err))
        .status()
        .map_err(io(format!("running {what}")))?;
    Ok(status.success())
}

/// The build of `ctx` with `builder`, its whole output into `log` (started afresh); whether it
/// passed. Podman builds with chroot isolation and the host's network (no bridge of its own,
/// none of docker0's addresses), and its image is then handed to the cluster's Docker daemon,
/// which runs it like the others.
fn docker_build(
    cluster: &Cluster,
    builder: Builder,
    profile: Profile,
    tag: &str,
    ctx: &Path,
    log: &Path,
) -> Result<bool> {
    File::create(log).map_err(io(format!("creating {}", log.display())))?;
    let mut cmd = match builder {
        Builder::Podman => {
            let mut cmd = std::process::Command::new("podman");
            cmd.args([
                "build",
                "--layers",
                "--network",
                "host",
                "--isolation",
                "chroot",
            ]);
            cmd
        }
        Builder::BuildKit => {
            let mut cmd = cluster.command(DOCKER);
            cmd.env("DOCKER_BUILDKIT", "1")
                .args(["build", "--progress=plain"]);
            cmd
        }
        Builder::Legacy => {
            let mut cmd = cluster.command(DOCKER);
            cmd.env("DOCKER_BUILDKIT", "0").args([
                "build",
                "--memory",
                BUILD_MEMORY,
                "--memory-swap",
                BUILD_MEMORY,
            ]);
            cmd
        }
    };
    for arg in profile.build_args() {
        cmd.args(["--build-arg", arg]);
    }
    cmd.args(["-t", tag]).arg(ctx);
    if !run_into_log(cmd, log, &format!("{} build", builder.name()))? {
        return Ok(false);
    }
    if builder != Builder::Podman {
        return Ok(true);
    }
    // `podman save` writes a docker-archive; the daemon's DOCKER_HOST comes from the cluster.
    let mut load = cluster.command("bash");
    load.args([
        "-o",
        "pipefail",
        "-c",
        &format!("podman save {tag} | {DOCKER} load"),
    ]);
    run_into_log(load, log, "podman save | docker load")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// What the dependency layer depends on: the Dockerfile, the manifests, Cargo.lock, cargo's
/// config, this test's build arguments and the builder base image; 16 hex digits.
fn recipe_key(cluster: &Cluster, ctx: &Path, profile: Profile, rust_image: &str) -> Result<String> {
    let mut bytes = Vec::new();
    let mut files = vec![
        ctx.join("Dockerfile"),
        ctx.join("Cargo.toml"),
        ctx.join("Cargo.lock"),
    ];
    let mut manifests: Vec<PathBuf> = std::fs::read_dir(ctx.join("crates"))
        .map_err(io(format!("reading {}/crates", ctx.display())))?
        .filter_map(|e| e.ok().map(|e| e.path().join("Cargo.toml")))
        .filter(|p| p.is_file())
        .collect();
    manifests.sort();
    files.extend(manifests);
    files.push(ctx.join(".cargo/config.toml"));
    for f in files {
        bytes.extend(std::fs::read(&f).unwrap_or_default());
    }
    bytes.extend(format!("{}\n", profile.build_args().join(" ")).as_bytes());
    bytes.extend(
        format!(
            "{}\n",
            docker(cluster, &["image", "inspect", "-f", "{{.Id}}", rust_image])?
        )
        .as_bytes(),
    );
    let mut child = std::process::Command::new("sha256sum")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(io("running sha256sum".into()))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(&bytes)
            .map_err(io("writing to sha256sum".into()))?;
    }
    let out = child
        .wait_with_output()
        .map_err(io("running sha256sum".into()))?;
    Ok(String::from_utf8_lossy(&out.stdout)
        .chars()
        .take(16)
        .collect())
}

/// Runs the image as a user would (read-only root, a volume for /data): /health of the API
/// answers 200, and the web page of `todo serve` is 200 with its sign-in form.
async fn run_read_only(cluster: &Cluster, image: &str) -> Result<()> {
    let name = format!("todo-user-smoke-{}", crate::app::api::unique());
    docker(
        cluster,
        &[
            "run",
            "-d",
            "--name",
            &name,
            "--read-only",
            "--tmpfs",
            "/tmp",
            "-v",
            "/data",
            image,
        ],
    )?;
    let checked = async {
        let ip = docker(cluster, &["inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", &name])?;
        let http = http_client(Duration::from_secs(5))?;
        let mut health = 0;
        let mut probes = 0;
        for i in 1..=60 {
            probes = i;
            health = match http.get(format!("http://{ip}:8000/health")).send().await {
                Ok(r) => r.status().as_u16(),
                Err(_) => 0,
            };
            if health == 200 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        ensure!(health == 200, "GET /health -> {health}");
        let page = http.get(format!("http://{ip}:3000/")).send().await?;
        let status = page.status();
        let body = page.text().await?;
        ensure!(
            status.as_u16() == 200 && body.to_lowercase().contains("<form"),
            "GET / (web) -> {status}, {}",
            if body.to_lowercase().contains("<form") { "with a form" } else { "no form on the page" }
        );
        note(format!("runs read-only: /health 200, web page 200 with its sign-in form (after {probes} probes)"));
        Ok(())
    }
    .await;
    let logs = docker(cluster, &["logs", &name]).unwrap_or_else(|e| e.to_string());
    let log = logs_dir(cluster).join(format!("user-smoke-{}.log", image.replace([':', '/'], "-")));
    let _ = std::fs::write(&log, logs);
    let _ = docker(cluster, &["rm", "-f", "-v", &name]);
    checked
}

/// One builder: build, run the image, check the dependency layer against the last good
/// build's stamp. Problems go into `failures`.
async fn one_builder(
    cluster: &Cluster,
    builder: Builder,
    profile: Profile,
    ctx: &Path,
    rust_image: &str,
    failures: &mut Vec<String>,
) -> Result<()> {
    let b = builder.name();
    let p = profile.suffix();
    let tag = image_tag(builder, p);
    let log = logs_dir(cluster).join(format!("user-build-{b}{p}.log"));
    let started = Instant::now();
    if !docker_build(cluster, builder, profile, &tag, ctx, &log)? {
        note(tail(&read(&log), 25));
        failures.push(format!("{b}: docker build failed (log {})", log.display()));
        return Ok(());
    }
    let text = read(&log);
    let deps = step_state(builder, &text, CargoStep::Dependencies);
    let sources = step_state(builder, &text, CargoStep::Sources);
    let show = |s: Option<StepState>| s.map_or("?".to_string(), |s| s.to_string());
    let mib = docker(cluster, &["image", "inspect", "-f", "{{.Size}}", &tag])?
        .parse::<u64>()
        .unwrap_or(0)
        / 1_048_576;
    let command = match builder {
        Builder::Podman => "podman build",
        Builder::Legacy | Builder::BuildKit => "docker build",
    };
    note(format!(
        "{b} builder: {command} -t {tag} . in {}s, {mib} MiB (dependency layer: {}, sources: {})",
        started.elapsed().as_secs(),
        show(deps),
        show(sources)
    ));
    if let Err(e) = run_read_only(cluster, &tag).await {
        failures.push(format!("{b}: the image does not run as it should: {e}"));
    }
    // The dependency layer's promise, checked on every run at no extra cost: when nothing
    // that goes into it changed since this builder's last good build, it must come from the
    // cache (a stand-in binary from that layer cannot pass the run above, so the sources were
    // really built). The stamp: the recipe key of the last good build and, for the legacy
    // builder, the image its dependency step made. That image is a dangling intermediate
    // one, which `docker image prune` deletes: a rebuild after that is the cache doing its
    // job, not a broken cache key, so it fails only while that image still exists.
    let key = recipe_key(cluster, ctx, profile, rust_image)?;
    let stamp = cache_dir().join(format!("images/user-build-{b}{p}.recipe-key"));
    let last = read(&stamp);
    let mut last = last.split_whitespace();
    let (last_key, last_layer) = (last.next().unwrap_or(""), last.next().unwrap_or(""));
    let layer = dependency_layer_image(builder, &text);
    match (deps, sources) {
        (None, _) | (_, None) => failures.push(format!(
            "{b}: the dependency or source build step is not in the build log ({})",
            log.display()
        )),
        (Some(StepState::Ran), _) if last_key == key && !last_layer.is_empty()
            && docker(cluster, &["image", "inspect", last_layer]).is_err() =>
        {
            note(format!(
                "{b}: dependency layer rebuilt: the last good build's ({last_layer}) was removed from the image store (pruned); the next run must find it cached"
            ));
        }
        (Some(StepState::Ran), _) if last_key == key => failures.push(format!(
            "{b}: the dependency build ran although no manifest, Cargo.lock or Dockerfile changed since the last build"
        )),
        (Some(StepState::Cached), Some(sources)) => {
            note(format!("{b}: dependency layer from the cache; {sources} source build"));
        }
        _ => note(format!(
            "{b}: dependency layer built (new recipe); the next run with the same manifests must find it cached"
        )),
    }
    if failures.is_empty() {
        let _ = std::fs::create_dir_all(stamp.parent().unwrap_or(Path::new(".")));
        let _ = std::fs::write(&stamp, format!("{key} {}\n", layer.unwrap_or_default()));
    }
    if std::env::var_os("E2E_DOCKERFILE_PROBE").is_some_and(|v| v == "1")
        && let Err(e) = source_change_probe(cluster, builder, profile, ctx).await
    {
        failures.push(format!("{b}: {e}"));
    }
    Ok(())
}

/// The dependency layer's promise shown in one run (E2E_DOCKERFILE_PROBE=1): a marker string
/// added to the todo binary's main() rebuilds only the workspace crates: the dependency step
/// is a cache hit, the source step runs, and the image's binary carries the marker. The
/// context is restored afterwards.
async fn source_change_probe(
    cluster: &Cluster,
    builder: Builder,
    profile: Profile,
    ctx: &Path,
) -> Result<()> {
    let b = builder.name();
    let marker = format!("todo-e2e-cache-probe-{}", crate::app::api::unique());
    let main = ctx.join("crates/todo/src/main.rs");
    let original =
        std::fs::read_to_string(&main).map_err(io(format!("reading {}", main.display())))?;
    const MAIN: &str = "fn main() -> ExitCode {\n";
    ensure!(
        original.contains(MAIN),
        "no 'fn main() -> ExitCode {{' line in crates/todo/src/main.rs to mark"
    );
    // black_box keeps the string in the linked binary (an unused static would be dropped).
    let marked = original.replacen(
        MAIN,
        &format!("{MAIN}    std::hint::black_box(\"{marker}\");\n"),
        1,
    );
    std::fs::write(&main, marked).map_err(io(format!("writing {}", main.display())))?;
    let tag = image_tag(builder, &format!("{}-probe", profile.suffix()));
    let log = logs_dir(cluster).join(format!("user-build-{b}-probe.log"));
    let started = Instant::now();
    let built = docker_build(cluster, builder, profile, &tag, ctx, &log);
    std::fs::write(&main, &original).map_err(io(format!("restoring {}", main.display())))?;
    let text = read(&log);
    if !built? {
        note(tail(&text, 25));
        return fail("source-change rebuild failed");
    }
    let deps = step_state(builder, &text, CargoStep::Dependencies);
    let sources = step_state(builder, &text, CargoStep::Sources);
    note(format!(
        "{b} builder: source-only change rebuilt in {}s (dependency layer: {deps:?}, sources: {sources:?})",
        started.elapsed().as_secs()
    ));
    let cid = docker(cluster, &["create", &tag])?;
    let copy = cluster.out_dir().join(format!("todo-probe-{b}"));
    let found = docker(
        cluster,
        &[
            "cp",
            &format!("{cid}:/usr/local/bin/todo"),
            &copy.display().to_string(),
        ],
    )
    .map(|_| std::fs::read(&copy).unwrap_or_default())
    .map(|bin| bin.windows(marker.len()).any(|w| w == marker.as_bytes()))
    .unwrap_or(false);
    let _ = docker(cluster, &["rm", "-v", &cid]);
    let _ = std::fs::remove_file(&copy);
    let _ = docker(cluster, &["rmi", &tag]);
    ensure!(
        deps == Some(StepState::Cached),
        "the dependency build was not a cache hit after a source-only change"
    );
    ensure!(
        sources == Some(StepState::Ran),
        "the source build step did not run"
    );
    ensure!(
        found,
        "the rebuilt binary does not contain the changed source's marker"
    );
    Ok(())
}

/// Both builders, one after the other; every problem of either is reported.
pub async fn both_builders(cluster: &Cluster) -> Result<()> {
    let profile = Profile::from_env()?;
    if profile == Profile::Release {
        note("E2E_DOCKERFILE_PROFILE=release: the Dockerfile's default build arguments");
    }
    let dockerfile = cluster.repo().join("Dockerfile");
    let text = std::fs::read_to_string(&dockerfile)
        .map_err(io(format!("reading {}", dockerfile.display())))?;
    let Some(rust_image) = text.lines().find_map(|l| l.strip_prefix("ARG RUST_IMAGE=")) else {
        return fail("no ARG RUST_IMAGE in the Dockerfile");
    };
    let rust_image = rust_image.trim();
    let builders = builders()?;
    for line in builder_base_sh(cluster, "builder_base_image", &[rust_image])?.lines() {
        note(line);
    }
    if builders.contains(&Builder::Podman) {
        for line in builder_base_sh(cluster, "podman_builder_base", &[rust_image])?.lines() {
            note(line);
        }
    }
    let repo = cluster.repo().display().to_string();
    let ctx = builder_base_sh(cluster, "user_build_context", &[&repo])?;
    let Some(ctx) = ctx.lines().last().map(PathBuf::from).filter(|p| p.is_dir()) else {
        return fail(format!(
            "no build context (user_build_context printed {ctx:?})"
        ));
    };
    let _ = std::fs::create_dir_all(logs_dir(cluster));
    let mut failures = Vec::new();
    for builder in builders {
        one_builder(cluster, builder, profile, &ctx, rust_image, &mut failures).await?;
    }
    ensure!(failures.is_empty(), "{}", failures.join("\n"));
    Ok(())
}
