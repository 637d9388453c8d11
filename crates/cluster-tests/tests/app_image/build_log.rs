//! What a `docker build` log says about the user Dockerfile's two cargo steps: the
//! dependency build (its RUN has `cargo build` and no `find crates`) and the source build
//! (`cargo build` after `find crates`), for the log formats of the legacy builder, BuildKit
//! and Podman (Buildah).

/// Which of the Dockerfile's two cargo builds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CargoStep {
    Dependencies,
    Sources,
}

/// Whether a build step came from the layer cache or ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepState {
    Cached,
    Ran,
}

impl std::fmt::Display for StepState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            StepState::Cached => "cached",
            StepState::Ran => "ran",
        })
    }
}

/// The builders the user Dockerfile must build with: Docker's two, and Podman's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Builder {
    Legacy,
    BuildKit,
    Podman,
}

impl Builder {
    pub const ALL: [Builder; 3] = [Builder::Legacy, Builder::BuildKit, Builder::Podman];

    pub fn name(self) -> &'static str {
        match self {
            Builder::Legacy => "legacy",
            Builder::BuildKit => "buildkit",
            Builder::Podman => "podman",
        }
    }
}

fn is_step(text: &str, step: CargoStep) -> bool {
    text.contains("cargo build") && ((step == CargoStep::Sources) == text.contains("find crates"))
}

/// `Step 3/12 : RUN ...` of the legacy builder: the text after the colon.
fn legacy_step(line: &str) -> Option<&str> {
    let rest = line.strip_prefix("Step ")?;
    let (counter, text) = rest.split_once(" : ")?;
    let (n, m) = counter.split_once('/')?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    (digits(n) && digits(m)).then_some(text)
}

/// `#12 [build 3/8] RUN ...` of BuildKit: the step's id (`#12`) when it is a RUN of the
/// `build` stage.
fn buildkit_run(line: &str) -> Option<&str> {
    let (id, rest) = line.split_once(' ')?;
    if !id.starts_with('#') || id.len() < 2 || !id[1..].bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let rest = rest.strip_prefix("[build")?.trim_start();
    let (counter, after) = rest.split_once(']')?;
    let (n, m) = counter.split_once('/')?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    (digits(n) && digits(m) && after.starts_with(" RUN ")).then_some(id)
}

/// `[1/3] STEP 5/9: RUN ...` (or `STEP 5/9: ...` in a one-stage build) of Podman: the text
/// after the colon.
fn podman_step(line: &str) -> Option<&str> {
    let line = match line.strip_prefix('[') {
        Some(rest) => rest.split_once("] ")?.1,
        None => line,
    };
    let rest = line.strip_prefix("STEP ")?;
    let (counter, text) = rest.split_once(": ")?;
    let (n, m) = counter.split_once('/')?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    (digits(n) && digits(m)).then_some(text)
}

/// Cached or ran, for `step` in a log of `builder`; None when the step is not in the log.
pub fn step_state(builder: Builder, log: &str, step: CargoStep) -> Option<StepState> {
    match builder {
        Builder::Legacy => {
            // "Step N/M : RUN ..." then " ---> Using cache" or " ---> Running in ..."
            let mut want = false;
            for line in log.lines() {
                if let Some(text) = legacy_step(line) {
                    want = is_step(text, step);
                } else if want && line.contains("---> Using cache") {
                    return Some(StepState::Cached);
                } else if want && line.contains("---> Running in") {
                    return Some(StepState::Ran);
                }
            }
            None
        }
        Builder::BuildKit => {
            // "#N [build 3/8] RUN ..." then "#N CACHED", or "#N DONE 12.3s" after its output
            let mut id: Option<String> = None;
            for line in log.lines() {
                if let Some(found) = buildkit_run(line).filter(|_| is_step(line, step)) {
                    id = Some(found.to_string());
                    continue;
                }
                let Some(id) = &id else { continue };
                if line.split(' ').next() != Some(id.as_str()) {
                    continue;
                }
                if line.ends_with(" CACHED") {
                    return Some(StepState::Cached);
                }
                if line.contains(" DONE ") {
                    return Some(StepState::Ran);
                }
            }
            None
        }
        Builder::Podman => {
            // "[2/3] STEP 4/8: RUN ..." then "--> Using cache ID", or its output and "--> ID"
            let mut want = false;
            for line in log.lines() {
                if let Some(text) = podman_step(line) {
                    want = is_step(text, step);
                } else if want && line.starts_with("--> ") {
                    return Some(if line.starts_with("--> Using cache") {
                        StepState::Cached
                    } else {
                        StepState::Ran
                    });
                }
            }
            None
        }
    }
}

/// The image the legacy builder's dependency step made (` ---> ID` after it, cached or
/// not); None for BuildKit, whose cache holds no images.
pub fn dependency_layer_image(builder: Builder, log: &str) -> Option<String> {
    if builder != Builder::Legacy {
        return None;
    }
    let mut want = false;
    for line in log.lines() {
        if let Some(text) = legacy_step(line) {
            want = is_step(text, CargoStep::Dependencies);
        } else if want
            && let Some(id) = line.strip_prefix(" ---> ")
            && !id.is_empty()
            && id.bytes().all(|b| b.is_ascii_hexdigit())
        {
            return Some(id.to_string());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const LEGACY: &str = "Step 7/20 : COPY --from=recipe /recipe/ ./\n ---> Using cache\n ---> 1a2b\n\
        Step 8/20 : RUN set -eux;     cargo build --release --locked -p todo\n ---> Using cache\n ---> 3c4d5e\n\
        Step 11/20 : COPY crates/ crates/\n ---> 9f9f\n\
        Step 12/20 : RUN set -eux;     find crates -name '*.rs' -exec touch {} +;     cargo build --release\n ---> Running in abcd\nCompiling todo\n ---> 7777\n";

    const BUILDKIT: &str = "#9 [build 3/8] COPY --from=recipe /recipe/ ./\n#9 CACHED\n\
        #10 [build 4/8] RUN set -eux;     cargo build --release --locked -p todo\n#10 CACHED\n\
        #14 [build 8/8] RUN set -eux;     find crates -name '*.rs' -exec touch {} +;     cargo build --release\n\
        #14 0.311 + find crates\n#14 DONE 95.2s\n";

    #[test]
    fn legacy_log_steps_and_layer() {
        assert_eq!(
            step_state(Builder::Legacy, LEGACY, CargoStep::Dependencies),
            Some(StepState::Cached)
        );
        assert_eq!(
            step_state(Builder::Legacy, LEGACY, CargoStep::Sources),
            Some(StepState::Ran)
        );
        assert_eq!(
            dependency_layer_image(Builder::Legacy, LEGACY).as_deref(),
            Some("3c4d5e")
        );
        assert_eq!(
            step_state(Builder::Legacy, "Step 1/2 : FROM x\n", CargoStep::Sources),
            None
        );
    }

    const PODMAN: &str = "[2/3] STEP 3/8: COPY --from=recipe /recipe/ ./\n--> Using cache 1a2b\n--> 1a2b\n\
        [2/3] STEP 4/8: RUN set -eux;     cargo build --release --locked -p todo\n--> Using cache 3c4d\n--> 3c4d\n\
        [2/3] STEP 8/8: RUN set -eux;     find crates -name '*.rs' -exec touch {} +;     cargo build --release\n\
        + find crates\n   Compiling todo v0.1.0\n--> 5e6f\n[3/3] STEP 1/6: FROM scratch\n";

    #[test]
    fn podman_log_steps() {
        assert_eq!(
            step_state(Builder::Podman, PODMAN, CargoStep::Dependencies),
            Some(StepState::Cached)
        );
        assert_eq!(
            step_state(Builder::Podman, PODMAN, CargoStep::Sources),
            Some(StepState::Ran)
        );
        assert_eq!(
            step_state(
                Builder::Podman,
                "STEP 1/2: FROM x\n--> 1\n",
                CargoStep::Sources
            ),
            None
        );
        assert_eq!(dependency_layer_image(Builder::Podman, PODMAN), None);
    }

    #[test]
    fn buildkit_log_steps() {
        assert_eq!(
            step_state(Builder::BuildKit, BUILDKIT, CargoStep::Dependencies),
            Some(StepState::Cached)
        );
        assert_eq!(
            step_state(Builder::BuildKit, BUILDKIT, CargoStep::Sources),
            Some(StepState::Ran)
        );
        assert_eq!(dependency_layer_image(Builder::BuildKit, BUILDKIT), None);
        assert_eq!(
            step_state(
                Builder::BuildKit,
                "#1 [internal] load\n",
                CargoStep::Dependencies
            ),
            None
        );
    }
}
