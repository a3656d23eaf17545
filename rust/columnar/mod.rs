//! Decoded messages as columns: the contract's row and event forms, the Arrow-layout builders
//! and their export, `decode_batch` over many frames, and the pool that reuses column buffers.

pub mod arrow;
pub mod batch;
pub mod buffer_pool;
pub mod columns;
pub mod events;
pub mod events16;
pub mod rows;
pub mod rows16;
