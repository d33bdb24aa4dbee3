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
//! Terrain edits: [`Brush`]es go into an [`Edits`] set that the game owns;
//! [`Client::submit_edited`] and [`mesh_local_edited`] mesh a chunk with
//! the brushes that touch it, [`Client::submit_group`] meshes every chunk
//! one brush changed and hands their results out together, so a frame
//! swaps all of them at once.
//!
//! See README.md for linking, the safety model and the map to the C API.

mod client;
mod edits;
mod error;
mod ffi;
mod local;
mod request;

pub use client::{Client, MeshResult, MeshView};
pub use edits::{Brush, BrushShape, ChunkBox, EditOp, Edits};
pub use error::{ConnectError, Error};
pub use local::{mesh_local, mesh_local_edited, OwnedMesh};
pub use request::{Corners, Edges, FieldKind, Request, Transitions};

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
/// Brushes one edited request may carry, those touching its chunk
/// (`MP_MAX_BRUSHES`); more is `Error::Invalid`.
pub const MAX_BRUSHES: usize = ffi::MP_MAX_BRUSHES;
/// A brush changes nothing outside its shape's box grown by its smooth
/// radius and this many world units (`MP_BRUSH_REACH`).
pub const BRUSH_REACH: f32 = ffi::MP_BRUSH_REACH;

/// A sentence from the library (`mp_request_problem`, `mp_brush_problem`):
/// None for NULL.
///
/// # Safety
/// `ptr` must be NULL or point to a NUL-terminated string that lives, and
/// is never written, for the rest of the program (a string literal in C).
unsafe fn static_sentence(ptr: *const std::os::raw::c_char) -> Option<&'static str> {
    if ptr.is_null() {
        return None;
    }
    // SAFETY: non-NULL, and static and NUL-terminated by the caller's
    // promise. The library's sentences are ASCII; one that were not UTF-8
    // would read as a fixed one rather than be lost.
    let text = unsafe { std::ffi::CStr::from_ptr(ptr) };
    Some(text.to_str().unwrap_or("(a sentence that is not UTF-8)"))
}

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

/// Positions, normals, indices and materials of one mesh.
type MeshSlices<'a> = (&'a [f32], &'a [f32], &'a [u32], &'a [u8]);

/// A mesh's four arrays as slices: positions and normals 3 floats a
/// vertex, a material a vertex, `index_count` indices (what both
/// `mp_mesh_view` and `mp_mesh_buf` hold); `Error::Invalid` for a count
/// that overflows or a NULL or misaligned array with elements.
///
/// # Safety
/// Each pointer must be as `raw_slice` asks for its count of elements.
unsafe fn mesh_slices<'a>(
    positions: *const f32,
    normals: *const f32,
    indices: *const u32,
    materials: *const u8,
    vertex_count: u32,
    index_count: u32,
) -> Result<MeshSlices<'a>, error::Error> {
    let vertices = vertex_count as usize;
    let floats = vertices.checked_mul(3).ok_or(error::Error::Invalid(None))?;
    // SAFETY: the caller's promise, for each array and its count.
    let slices = unsafe {
        (
            raw_slice(positions, floats),
            raw_slice(normals, floats),
            raw_slice(indices, index_count as usize),
            raw_slice(materials, vertices),
        )
    };
    match slices {
        (Some(p), Some(n), Some(i), Some(m)) => Ok((p, n, i, m)),
        _ => Err(error::Error::Invalid(None)), // NULL or misaligned: not a mesh
    }
}
