//! What a `docker build` log says about the user Dockerfile's two cargo steps: the
//! dependency build (its RUN has `cargo build` and no `find crates`) and the source build
//! (`cargo build` after `find crates`), for the legacy builder's and BuildKit's log formats.

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

/// The two builders the user Dockerfile must build with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Builder {
    Legacy,
    BuildKit,
}

impl Builder {
    pub fn name(self) -> &'static str {
        match self {
            Builder::Legacy => "legacy",
            Builder::BuildKit => "buildkit",
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
