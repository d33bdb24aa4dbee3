//! Safe Rust bindings to libmeshpool: mesh voxel-terrain chunks through
//! the meshpoold daemon without blocking the frame, reading the meshes in
//! place in shared memory, or in the calling thread with [`mesh_local`].
//!
//! ```no_run
//! use meshpool::{Client, Request};
//!
//! let client = Client::connect(None)?; // the "default" instance
//! client.submit(&Request::new().with_chunk(0, -1, 0).with_user_data(7))?;
//! client.wait(None)?;
//! let mut done = Vec::new();
//! client.poll(&mut done, 16)?;
//! for result in &done {
//!     let mesh = result.mesh()?; // zero copy, valid while `result` lives
//!     println!("chunk {}: {} triangles", result.user_data(), mesh.triangle_count());
//! }
//! // Dropping the results releases their slabs (mp_release).
//! # Ok::<(), meshpool::Error>(())
//! ```
//!
//! See README.md for linking, the safety model and the map to the C API.

mod client;
mod error;
mod ffi;
mod local;
mod request;

pub use client::{Client, MeshResult, MeshView};
pub use error::Error;
pub use local::{mesh_local, OwnedMesh};
pub use request::{FieldKind, Request, Transitions};

/// Highest LOD a request may ask for (`MP_MAX_LOD`).
pub const MAX_LOD: u8 = ffi::MP_MAX_LOD;
/// Cells per chunk side, at most (`MP_MAX_CELLS`).
pub const MAX_CELLS: u8 = ffi::MP_MAX_CELLS;
/// Cells per chunk side, at least (`MP_MIN_CELLS`; 0 means 32).
pub const MIN_CELLS: u8 = ffi::MP_MIN_CELLS;
/// Noise octaves, at most (`MP_MAX_OCTAVES`).
pub const MAX_OCTAVES: u32 = ffi::MP_MAX_OCTAVES;
/// The version of meshpool.h these bindings mirror (`MP_VERSION_*`).
pub const VERSION: (u32, u32) = (ffi::MP_VERSION_MAJOR, ffi::MP_VERSION_MINOR);

/// `len` elements at `ptr` as a slice; an empty slice for `len == 0`
/// whatever `ptr` is (C gives NULL for empty arrays, which a Rust slice may
/// not hold), None for a NULL or misaligned pointer with elements.
///
/// # Safety
/// If `len > 0` and `ptr` is non-NULL and aligned, it must point to `len`
/// initialised `T`s that nothing writes while the returned slice lives.
unsafe fn raw_slice<'a, T>(ptr: *const T, len: usize) -> Option<&'a [T]> {
    if len == 0 {
        return Some(&[]);
    }
    if ptr.is_null() || (ptr as usize) % std::mem::align_of::<T>() != 0 {
        return None;
    }
    // SAFETY: non-NULL and aligned, checked above; the rest is the caller's
    // promise.
    Some(unsafe { std::slice::from_raw_parts(ptr, len) })
}
