//! Keeps the resident set small on glibc.
//!
//! Each password hash allocates Argon2's 19 MiB work area on a blocking thread.
//! glibc's default raises its mmap threshold after the first such block is
//! freed, so later ones come from a heap arena and stay resident after use:
//! the idle server would keep ~20 MiB per arena for nothing. A fixed threshold
//! keeps big blocks in mmap (returned to the OS on free), and capping the
//! arenas stops each new thread from growing a heap of its own.

/// Applies the settings; call once at start-up, before threads are spawned.
pub fn tune_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        const MMAP_THRESHOLD: libc::c_int = 256 * 1024;
        const ARENAS: libc::c_int = 2;
        // SAFETY: mallopt only changes allocator parameters; it is called before any
        // other thread exists, and both values are valid for these parameters.
        unsafe {
            libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD);
            libc::mallopt(libc::M_ARENA_MAX, ARENAS);
        }
    }
}
