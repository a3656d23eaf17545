//! Recycled column buffers.
//!
//! A batch of 10,000 typical frames writes about 25 MB of columns. Memory that large comes from
//! the allocator fresh (mapped for it, and unmapped again when the table is dropped), so every
//! batch paid one page fault per 4 KiB on first touch: a third of its time, measured with
//! `perf` on `examples/batch_timing.rs`. An ingest worker decodes batch after batch of alike
//! sizes, so the value buffers of a dropped table ([`crate::columnar::columns::Values`]) come back here,
//! and the next batch's builders start from them, already mapped.
//!
//! The pool is bounded: it holds at most [`limit`] bytes (default [`DEFAULT_LIMIT`]; `0`
//! turns it off and frees what it holds). Buffers under [`MIN_POOLED_BYTES`] are left to the
//! allocator, which serves small sizes from memory it keeps anyway.

use std::mem::size_of;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// Bytes the pool holds at most unless [`set_limit`] says otherwise: room for two batches of
/// 10,000 typical frames (one being written out while the next one is decoded).
pub const DEFAULT_LIMIT: usize = 64 << 20;

/// Smaller buffers are not pooled.
pub const MIN_POOLED_BYTES: usize = 64 << 10;

static LIMIT: AtomicUsize = AtomicUsize::new(DEFAULT_LIMIT);

/// The free buffers, one list per element type, and their total size in bytes.
#[doc(hidden)]
pub struct Free {
    u8: Vec<Vec<u8>>,
    i32: Vec<Vec<i32>>,
    i64: Vec<Vec<i64>>,
    f64: Vec<Vec<f64>>,
    bytes: usize,
}

static FREE: Mutex<Free> = Mutex::new(Free {
    u8: Vec::new(),
    i32: Vec::new(),
    i64: Vec::new(),
    f64: Vec::new(),
    bytes: 0,
});

/// An element type whose buffers are pooled (a buffer goes back to the allocator with the
/// layout it was allocated with, so each type has its own list).
pub trait Pooled: Copy + Sized + 'static {
    #[doc(hidden)]
    fn list(free: &mut Free) -> &mut Vec<Vec<Self>>;
}

macro_rules! pooled {
    ($($t:ident),*) => {$(
        impl Pooled for $t {
            fn list(free: &mut Free) -> &mut Vec<Vec<Self>> {
                &mut free.$t
            }
        }
    )*};
}
pooled!(u8, i32, i64, f64);

fn bytes_of<T>(v: &Vec<T>) -> usize {
    v.capacity() * size_of::<T>()
}

fn lock() -> std::sync::MutexGuard<'static, Free> {
    // The lists stay consistent whatever a panicking holder did: each step is one push or pop.
    FREE.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The pool's bound in bytes.
pub fn limit() -> usize {
    LIMIT.load(Ordering::Relaxed)
}

/// Sets the pool's bound in bytes and returns the previous one; buffers beyond the new bound
/// are freed at once (all of them for `0`).
pub fn set_limit(bytes: usize) -> usize {
    let previous = LIMIT.swap(bytes, Ordering::Relaxed);
    let mut free = lock();
    while free.bytes > bytes {
        if !evict_largest(&mut free) {
            break;
        }
    }
    previous
}

/// Bytes held now.
pub fn held() -> usize {
    lock().bytes
}

fn evict_largest(free: &mut Free) -> bool {
    // Which list holds the largest buffer does not matter much; the order only has to end.
    let evicted = pop_largest::<u8>(free)
        .or_else(|| pop_largest::<f64>(free))
        .or_else(|| pop_largest::<i64>(free))
        .or_else(|| pop_largest::<i32>(free));
    evicted.is_some()
}

fn pop_largest<T: Pooled>(free: &mut Free) -> Option<usize> {
    let list = T::list(free);
    let (i, _) = list.iter().enumerate().max_by_key(|(_, v)| v.capacity())?;
    let n = bytes_of(&list.swap_remove(i));
    free.bytes -= n;
    Some(n)
}

/// Makes room in `v` for `additional` more elements, from a pooled buffer when the result is
/// large enough to be pooled. The contents are kept.
pub fn reserve<T: Pooled>(v: &mut Vec<T>, additional: usize) {
    let needed = v.len() + additional;
    if needed <= v.capacity() {
        return;
    }
    if needed * size_of::<T>() >= MIN_POOLED_BYTES {
        if let Some(mut recycled) = take(needed) {
            recycled.extend_from_slice(v);
            *v = recycled;
            return;
        }
    }
    v.reserve(additional);
}

/// The smallest pooled buffer with room for `capacity` elements, empty. When none is large
/// enough, the largest one (too small for this feed now) is freed, so the pool follows
/// batches that grow.
fn take<T: Pooled>(capacity: usize) -> Option<Vec<T>> {
    let mut free = lock();
    let list = T::list(&mut free);
    let fit = list
        .iter()
        .enumerate()
        .filter(|(_, v)| v.capacity() >= capacity)
        .min_by_key(|(_, v)| v.capacity())
        .map(|(i, _)| i);
    match fit {
        Some(i) => {
            let v = list.swap_remove(i);
            free.bytes -= bytes_of(&v);
            Some(v)
        }
        None => {
            pop_largest::<T>(&mut free);
            None
        }
    }
}

/// Returns `v`'s buffer to the pool if it is large enough and fits the bound; frees it
/// otherwise.
pub fn give<T: Pooled>(mut v: Vec<T>) {
    let n = bytes_of(&v);
    if n < MIN_POOLED_BYTES {
        return;
    }
    let mut free = lock();
    if free.bytes + n > limit() {
        return;
    }
    v.clear();
    free.bytes += n;
    T::list(&mut free).push(v);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The pool is global: the tests that change it run one at a time.
    static SERIAL: Mutex<()> = Mutex::new(());

    fn serial() -> std::sync::MutexGuard<'static, ()> {
        SERIAL.lock().unwrap_or_else(|p| p.into_inner())
    }

    const BIG: usize = MIN_POOLED_BYTES / 8 * 4;

    #[test]
    fn a_given_buffer_is_taken_again_with_its_memory() {
        let _s = serial();
        set_limit(0);
        set_limit(DEFAULT_LIMIT);
        let v: Vec<f64> = Vec::with_capacity(BIG);
        let addr = v.as_ptr();
        give(v);
        assert_eq!(held(), BIG * 8);
        let mut w: Vec<f64> = vec![1.0, 2.0];
        reserve(&mut w, BIG - 2);
        assert_eq!(w.as_ptr(), addr, "the pooled buffer was reused");
        assert_eq!(w, [1.0, 2.0], "contents kept");
        assert_eq!(held(), 0);
    }

    #[test]
    fn small_buffers_and_buffers_over_the_limit_are_freed() {
        let _s = serial();
        set_limit(0);
        give(Vec::<u8>::with_capacity(MIN_POOLED_BYTES - 1));
        assert_eq!(held(), 0, "limit 0 pools nothing");
        set_limit(MIN_POOLED_BYTES * 3 / 2);
        give(Vec::<u8>::with_capacity(MIN_POOLED_BYTES - 1));
        assert_eq!(held(), 0, "under the pooled size");
        give(Vec::<u8>::with_capacity(MIN_POOLED_BYTES));
        give(Vec::<u8>::with_capacity(MIN_POOLED_BYTES));
        assert_eq!(held(), MIN_POOLED_BYTES, "the second is over the limit");
        set_limit(0);
        assert_eq!(held(), 0, "lowering the limit frees");
        set_limit(DEFAULT_LIMIT);
    }

    #[test]
    fn a_buffer_too_small_for_a_growing_feed_is_dropped() {
        let _s = serial();
        set_limit(0);
        set_limit(DEFAULT_LIMIT);
        give(Vec::<i32>::with_capacity(BIG));
        let mut v: Vec<i32> = Vec::new();
        reserve(&mut v, BIG * 2);
        assert!(v.capacity() >= BIG * 2);
        assert_eq!(held(), 0, "the small one was freed");
        set_limit(0);
        set_limit(DEFAULT_LIMIT);
    }

    #[test]
    fn the_best_fit_is_taken() {
        let _s = serial();
        set_limit(0);
        set_limit(DEFAULT_LIMIT);
        give(Vec::<i64>::with_capacity(BIG * 4));
        give(Vec::<i64>::with_capacity(BIG * 2));
        let mut v: Vec<i64> = Vec::new();
        reserve(&mut v, BIG + 1);
        assert!(v.capacity() >= BIG * 2 && v.capacity() < BIG * 4);
        assert_eq!(held(), BIG * 4 * 8);
        set_limit(0);
        set_limit(DEFAULT_LIMIT);
    }
}
