//! `Shared<T>`: a pointer to one node of an immutable decoded message, keeping the whole message
//! alive. Child objects handed to Python point into their parent's tree instead of copying it, so
//! reading `request.meter_value[3].sampled_value` costs one small Python object per node, and
//! nothing at all until somebody reads it.

use std::any::Any;
use std::ops::Deref;
use std::ptr::NonNull;
use std::sync::Arc;

pub struct Shared<T: 'static> {
    owner: Arc<dyn Any + Send + Sync>,
    ptr: NonNull<T>,
}

// SAFETY: `Shared` only ever gives out `&T`, and the owner (`Send + Sync`) keeps the pointee
// alive and is never mutated; so sharing it across threads is as safe as sharing `&T`.
unsafe impl<T: Sync> Send for Shared<T> {}
// SAFETY: as above.
unsafe impl<T: Sync> Sync for Shared<T> {}

impl<T: Send + Sync + 'static> Shared<T> {
    /// Takes ownership of a whole value.
    pub fn new(value: T) -> Self {
        let arc = Arc::new(value);
        let ptr = NonNull::from(&*arc);
        Shared { owner: arc, ptr }
    }
}

impl<T: 'static> Shared<T> {
    /// A pointer to a part of this value that shares its owner.
    pub fn project<U: 'static>(&self, part: impl FnOnce(&T) -> &U) -> Shared<U> {
        let ptr = NonNull::from(part(self));
        Shared {
            owner: Arc::clone(&self.owner),
            ptr,
        }
    }
}

impl<T: 'static> Deref for Shared<T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: `ptr` points into the allocation held by `owner`, which lives as long as `self`
        // and is never mutated (only shared references are ever created).
        unsafe { self.ptr.as_ref() }
    }
}
