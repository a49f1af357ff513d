//! A parallel map over a slice on the machine's cores, for the few steps
//! (rendering nested templates, expanding services) whose items are
//! independent and alike. It imports nothing from the crate, so every layer
//! may use it.

use std::sync::atomic::{AtomicUsize, Ordering};

/// `f` over `items` on every core (results in the order of `items`), for
/// work that is independent for each item. The calling thread works too,
/// and each thread takes the next item not yet taken, so a thread that
/// drew bigger items (or less of a busy machine's time) is not waited for.
pub(crate) fn in_parallel<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism()
        .map_or(1, std::num::NonZeroUsize::get)
        .min(items.len());
    if threads <= 1 || items.len() < 8 {
        return items.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(item) = items.get(i) else {
                return done;
            };
            done.push((i, f(item)));
        }
    };
    let mut slots: Vec<Option<R>> = std::iter::repeat_with(|| None).take(items.len()).collect();
    std::thread::scope(|scope| {
        let work = &work;
        let handles: Vec<_> = (1..threads).map(|_| scope.spawn(work)).collect();
        let mine = work();
        let theirs = handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)));
        for (i, r) in mine.into_iter().chain(theirs) {
            slots[i] = Some(r);
        }
    });
    slots.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_keep_the_order_of_the_items() {
        let items: Vec<u64> = (0..1000).collect();
        let out = in_parallel(&items, |i| {
            // Uneven work, so the threads take items out of order.
            let spin = (0..(i % 7) * 1000).fold(0u64, |a, b| a.wrapping_add(b));
            std::hint::black_box(spin);
            *i
        });
        assert_eq!(out, items);
        assert_eq!(in_parallel(&items[..3], |i| i * 2), [0, 2, 4]);
        assert!(in_parallel(&[] as &[u64], |i| *i).is_empty());
    }
}
