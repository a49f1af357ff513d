//! Huge pages for the heap, by the size of the job.
//!
//! The allocator (mimalloc, in `main.rs`) asks the kernel for transparent
//! huge pages. A huge page is zeroed whole, 2 MiB, at its first touch, and
//! on a machine whose memory is fragmented the kernel may compact memory to
//! find one: `synth todo`, which uses a few hundred kilobytes, spent 0.7 to
//! 1.1 ms (a sixth of its CPU time) there. A thousand services, which touch
//! about 75 MiB, take 19,000 page faults with small pages instead of 360,
//! about 20 ms more. So a run starts with small pages ([`start_small`]) and
//! turns huge pages back on when its project file is large ([`expect_large`]).
//! The setting is the process's (Linux `PR_SET_THP_DISABLE`); elsewhere both
//! do nothing. Neither changes what is computed, only its cost.

/// Small pages for the memory touched from here on. `main.rs` calls it from
/// a constructor, before the first allocation; a binary of its own (see
/// "Writing your own blueprint") may do the same.
pub fn start_small() {
    set_thp_disabled(true);
}

/// Huge pages again, for a job that will touch tens of megabytes.
pub fn expect_large() {
    set_thp_disabled(false);
}

#[cfg(target_os = "linux")]
fn set_thp_disabled(disabled: bool) {
    // SAFETY: PR_SET_THP_DISABLE takes an integer flag and no pointers; it
    // only sets the process's huge-page policy. A failure (an old kernel)
    // leaves the policy as it was, which is correct, only slower.
    unsafe {
        libc::prctl(
            libc::PR_SET_THP_DISABLE,
            libc::c_ulong::from(disabled),
            0 as libc::c_ulong,
            0 as libc::c_ulong,
            0 as libc::c_ulong,
        );
    }
}

#[cfg(not(target_os = "linux"))]
fn set_thp_disabled(_disabled: bool) {}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    /// The process's policy as the kernel reports it: 1 when huge pages
    /// are off for it.
    fn thp_disabled() -> i32 {
        // SAFETY: PR_GET_THP_DISABLE takes no arguments and reads a flag.
        unsafe { libc::prctl(libc::PR_GET_THP_DISABLE, 0, 0, 0, 0) }
    }

    #[test]
    fn small_then_large_pages() {
        super::start_small();
        assert_eq!(thp_disabled(), 1);
        super::expect_large();
        assert_eq!(thp_disabled(), 0);
    }
}
