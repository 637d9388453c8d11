//! A spinner on stderr while waiting (rollout status), shown only on a terminal so
//! logs and pipes stay clean.

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Spins until dropped. `message` is updated by [`Spinner::set`].
pub struct Spinner {
    stop: Arc<AtomicBool>,
    message: Arc<std::sync::Mutex<String>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Spinner {
    /// Start a spinner if `enabled` and stderr is a terminal.
    pub fn start(enabled: bool, message: &str) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let text = Arc::new(std::sync::Mutex::new(message.to_string()));
        let task = (enabled && std::io::stderr().is_terminal()).then(|| {
            let stop = stop.clone();
            let text = text.clone();
            tokio::spawn(async move {
                const FRAMES: [char; 10] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
                let mut i = 0;
                while !stop.load(Ordering::Relaxed) {
                    let msg = text.lock().map(|m| m.clone()).unwrap_or_default();
                    eprint!("\r\x1b[2K{} {msg}", FRAMES[i % FRAMES.len()]);
                    let _ = std::io::stderr().flush();
                    i += 1;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                eprint!("\r\x1b[2K");
                let _ = std::io::stderr().flush();
            })
        });
        Self {
            stop,
            message: text,
            task,
        }
    }

    pub fn set(&self, message: String) {
        if let Ok(mut m) = self.message.lock() {
            *m = message;
        }
    }

    /// Stop and clear the line.
    pub async fn finish(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.task.take() {
            let _ = t.await;
        }
    }
}

impl Drop for Spinner {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}
