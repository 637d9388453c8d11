//! Namespaces a suite sets up once for all of its tests (an installed chart, failing
//! workloads that take a while to fail), deleted when the test process exits: a static
//! fixture is never dropped, so its cleanup runs from an `atexit` handler.

use std::sync::{Mutex, Once};

use crate::Cluster;

/// What is deleted at exit: each entry a cluster and its namespaces.
static AT_EXIT: Mutex<Vec<(Cluster, Vec<String>)>> = Mutex::new(Vec::new());
static REGISTER: Once = Once::new();

/// Deletes `names` (without waiting) when this test process exits, however its tests
/// ended; kept for a look with `E2E_KEEP=1`. The next suite's setup waits for them to go.
pub fn delete_namespaces_at_exit(cluster: &Cluster, names: &[&str]) {
    let names = names.iter().map(|n| n.to_string()).collect();
    AT_EXIT
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push((cluster.clone(), names));
    REGISTER.call_once(|| {
        // SAFETY: `delete_at_exit` is an `extern "C" fn()` that never unwinds (it catches
        // nothing that could panic across the boundary: errors are printed).
        let rc = unsafe { libc::atexit(delete_at_exit) };
        if rc != 0 {
            eprintln!("atexit failed: the suite's namespaces will be left behind");
        }
    });
}

extern "C" fn delete_at_exit() {
    let entries = std::mem::take(&mut *AT_EXIT.lock().unwrap_or_else(|e| e.into_inner()));
    for (cluster, names) in entries {
        if std::env::var_os("E2E_KEEP").is_some_and(|v| v == "1") {
            eprintln!("E2E_KEEP=1: namespaces {} kept", names.join(" "));
            continue;
        }
        let mut args = vec!["delete".to_string(), "namespace".to_string()];
        args.extend(names.iter().cloned());
        args.extend(["--ignore-not-found".into(), "--wait=false".into()]);
        if let Err(e) = cluster.kubectl(&args) {
            eprintln!("could not delete namespaces {}: {e}", names.join(" "));
        }
    }
}
