//! What the app's cluster suites (app_image, app_helm, app_raw) share (the images they
//! install are the harness's, src/images.rs): waits and diagnostics through kube-rs, the app's HTTP through its own body types,
//! the web pages driven like a browser without JavaScript, and bounded load loops.
//!
//! Each suite compiles this module into its own test binary and uses part of it.
#![allow(dead_code)]

/// Fails the current step with a message when `cond` does not hold. Defined before the
/// submodules so that they see it (suites use `#[macro_use] mod app;`).
macro_rules! ensure {
    ($cond:expr, $($fmt:tt)+) => {
        if !$cond {
            return Err($crate::app::AppTestError::Check(format!($($fmt)+)));
        }
    };
}

pub mod api;
pub mod kube_wait;
pub mod load;
pub mod web;

use std::fmt;
use std::future::Future;
use std::time::Instant;

/// Why a step of an app suite failed.
#[derive(Debug, thiserror::Error)]
pub enum AppTestError {
    #[error(transparent)]
    Harness(#[from] cluster_tests::Error),
    #[error("Kubernetes API: {0}")]
    Kube(#[from] kube::Error),
    #[error("HTTP: {0}")]
    Http(#[from] reqwest::Error),
    #[error("{context}: {source}")]
    Io {
        context: String,
        source: std::io::Error,
    },
    /// A check did not hold; the text says what was expected and what came.
    #[error("{0}")]
    Check(String),
}

pub type Result<T, E = AppTestError> = std::result::Result<T, E>;

/// A failed check, for `?` where `ensure!` does not fit.
pub fn fail<T>(message: impl Into<String>) -> Result<T> {
    Err(AppTestError::Check(message.into()))
}

/// Prints a line of a step's output, indented under the step's name.
pub fn note(line: impl fmt::Display) {
    println!("    {line}");
}

/// The step of a sequence that failed, its error and what the cluster showed then.
#[derive(Debug)]
pub struct StepFailed {
    pub step: String,
    pub error: AppTestError,
    pub diagnostics: String,
}

impl fmt::Display for StepFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "step `{}` failed: {}\n--- the namespace at that moment:\n{}",
            self.step, self.error, self.diagnostics
        )
    }
}

/// Named steps run in order against one namespace: each prints its name and time, and the
/// first failure stops the sequence (a later step never runs on a broken earlier state)
/// carrying the namespace's pods, events and recent logs.
pub struct Steps {
    client: kube::Client,
    namespace: String,
    passed: Vec<String>,
}

impl Steps {
    pub fn new(client: kube::Client, namespace: &str) -> Self {
        Self {
            client,
            namespace: namespace.to_string(),
            passed: Vec::new(),
        }
    }

    /// Runs one step; on failure the error comes back with the namespace's diagnostics.
    pub async fn run<T>(
        &mut self,
        name: &str,
        step: impl Future<Output = Result<T>>,
    ) -> Result<T, StepFailed> {
        println!("--- {name}");
        let started = Instant::now();
        match step.await {
            Ok(value) => {
                println!("ok   {name} ({:.1}s)", started.elapsed().as_secs_f64());
                self.passed.push(name.to_string());
                Ok(value)
            }
            Err(error) => {
                println!(
                    "FAIL {name} ({:.1}s): {error}",
                    started.elapsed().as_secs_f64()
                );
                let diagnostics = kube_wait::diagnostics(&self.client, &self.namespace).await;
                Err(StepFailed {
                    step: name.to_string(),
                    error,
                    diagnostics,
                })
            }
        }
    }

    /// The steps that passed, in order.
    pub fn passed(&self) -> &[String] {
        &self.passed
    }
}

/// Panics with the failed step (after the caller has written what it measured).
pub fn finish(outcome: Result<(), StepFailed>) {
    if let Err(failed) = outcome {
        panic!("{failed}");
    }
}
