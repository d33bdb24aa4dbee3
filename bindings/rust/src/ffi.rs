//! Hand-written declarations mirroring `client/meshpool.h`.
//!
//! build.rs measures the C side with the system compiler (`c_layout.rs` in
//! OUT_DIR); the `mirror!` block at the bottom turns every difference in
//! size, alignment, field offset or field size, and every constant whose
//! value differs, into a compile error. The unit tests below add what a
//! compile-time check cannot see: a field or constant of the header that is
//! not mirrored here at all.

#![allow(non_camel_case_types)]

use std::marker::{PhantomData, PhantomPinned};
use std::os::raw::{c_char, c_int, c_long, c_void};

pub const MP_VERSION_MAJOR: u32 = 0;
pub const MP_VERSION_MINOR: u32 = 1;

pub const MP_MAX_LOD: u8 = 15;
pub const MP_MAX_CELLS: u8 = 64;
pub const MP_MIN_CELLS: u8 = 8;
pub const MP_MAX_OCTAVES: u32 = 16;

pub const MP_OK: c_int = 0;
pub const MP_EAGAIN: c_int = -1;
pub const MP_EINVAL: c_int = -2;
pub const MP_ENOMEM: c_int = -3;
pub const MP_ECANCELED: c_int = -4;
pub const MP_ETIMEDOUT: c_int = -5;
pub const MP_EWORKER: c_int = -6;
pub const MP_ESHUTDOWN: c_int = -7;
pub const MP_ENOENT: c_int = -8;
pub const MP_EPERM: c_int = -9;
pub const MP_EDISCONNECTED: c_int = -10;
pub const MP_EPROTO: c_int = -11;
pub const MP_EIO: c_int = -12;

pub const MP_FIELD_HEIGHTMAP: u32 = 0;
pub const MP_FIELD_VOLUME: u32 = 1;

pub const MP_TRANS_NX: u8 = 1;
pub const MP_TRANS_PX: u8 = 2;
pub const MP_TRANS_NY: u8 = 4;
pub const MP_TRANS_PY: u8 = 8;
pub const MP_TRANS_NZ: u8 = 16;
pub const MP_TRANS_PZ: u8 = 32;

pub const MP_EDGE_NX_NY: u16 = 1 << 0;
pub const MP_EDGE_PX_NY: u16 = 1 << 1;
pub const MP_EDGE_NX_PY: u16 = 1 << 2;
pub const MP_EDGE_PX_PY: u16 = 1 << 3;
pub const MP_EDGE_NX_NZ: u16 = 1 << 4;
pub const MP_EDGE_PX_NZ: u16 = 1 << 5;
pub const MP_EDGE_NX_PZ: u16 = 1 << 6;
pub const MP_EDGE_PX_PZ: u16 = 1 << 7;
pub const MP_EDGE_NY_NZ: u16 = 1 << 8;
pub const MP_EDGE_PY_NZ: u16 = 1 << 9;
pub const MP_EDGE_NY_PZ: u16 = 1 << 10;
pub const MP_EDGE_PY_PZ: u16 = 1 << 11;

pub const MP_CORNER_NX_NY_NZ: u8 = 1 << 0;
pub const MP_CORNER_PX_NY_NZ: u8 = 1 << 1;
pub const MP_CORNER_NX_PY_NZ: u8 = 1 << 2;
pub const MP_CORNER_PX_PY_NZ: u8 = 1 << 3;
pub const MP_CORNER_NX_NY_PZ: u8 = 1 << 4;
pub const MP_CORNER_PX_NY_PZ: u8 = 1 << 5;
pub const MP_CORNER_NX_PY_PZ: u8 = 1 << 6;
pub const MP_CORNER_PX_PY_PZ: u8 = 1 << 7;

pub const MP_BRUSH_SPHERE: u8 = 0;
pub const MP_BRUSH_BOX: u8 = 1;
pub const MP_BRUSH_CAPSULE: u8 = 2;
pub const MP_EDIT_ADD: u8 = 0;
pub const MP_EDIT_SUBTRACT: u8 = 1;
pub const MP_EDIT_PAINT: u8 = 2;

pub const MP_BRUSH_REACH: f32 = 2.0;
pub const MP_MAX_BRUSHES: usize = 8192;

#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct mp_field {
    pub kind: u32,
    pub seed: u32,
    pub octaves: u32,
    pub frequency: f32,
    pub amplitude: f32,
    pub offset: f32,
    pub lacunarity: f32,
    pub gain: f32,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct mp_request {
    pub user_data: u64,
    pub cx: i32,
    pub cy: i32,
    pub cz: i32,
    pub lod: u8,
    pub transitions: u8,
    pub priority: u8,
    pub cells: u8,
    pub voxel_size: f32,
    pub field: mp_field,
    pub edges: u16,
    pub corners: u8,
    /// Must be 0 (`mp_request_problem`: "reserved must be 0").
    pub reserved: u8,
}

impl mp_request {
    /// All fields zero: what C buffers are filled over.
    pub const ZEROED: Self = Self {
        user_data: 0,
        cx: 0,
        cy: 0,
        cz: 0,
        lod: 0,
        transitions: 0,
        priority: 0,
        cells: 0,
        voxel_size: 0.0,
        field: mp_field {
            kind: 0,
            seed: 0,
            octaves: 0,
            frequency: 0.0,
            amplitude: 0.0,
            offset: 0.0,
            lacunarity: 0.0,
            gain: 0.0,
        },
        edges: 0,
        corners: 0,
        reserved: 0,
    };
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct mp_result {
    pub user_data: u64,
    pub status: i32,
    pub vertex_count: u32,
    pub index_count: u32,
    pub aabb_min: [f32; 3],
    pub aabb_max: [f32; 3],
    pub queue_ns: u64,
    pub compute_ns: u64,
    pub handle: u64,
}

#[repr(C)]
#[derive(Debug)]
pub struct mp_mesh_view {
    pub positions: *const f32,
    pub normals: *const f32,
    pub indices: *const u32,
    pub vertex_count: u32,
    pub index_count: u32,
    pub materials: *const u8,
}

impl mp_mesh_view {
    pub const EMPTY: Self = Self {
        positions: std::ptr::null(),
        normals: std::ptr::null(),
        indices: std::ptr::null(),
        vertex_count: 0,
        index_count: 0,
        materials: std::ptr::null(),
    };
}

#[repr(C)]
#[derive(Debug)]
pub struct mp_mesh_buf {
    pub positions: *mut f32,
    pub normals: *mut f32,
    pub indices: *mut u32,
    pub vertex_count: u32,
    pub index_count: u32,
    pub aabb_min: [f32; 3],
    pub aabb_max: [f32; 3],
    pub materials: *mut u8,
}

impl mp_mesh_buf {
    pub const EMPTY: Self = Self {
        positions: std::ptr::null_mut(),
        normals: std::ptr::null_mut(),
        indices: std::ptr::null_mut(),
        vertex_count: 0,
        index_count: 0,
        aabb_min: [0.0; 3],
        aabb_max: [0.0; 3],
        materials: std::ptr::null_mut(),
    };
}

#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct mp_brush {
    pub shape: u8,
    pub op: u8,
    pub material: u8,
    /// Must be 0 (`mp_brush_problem`: "reserved must be 0").
    pub reserved: u8,
    pub a: [f32; 3],
    pub b: [f32; 3],
    pub radius: f32,
    pub smooth: f32,
}

/// The opaque `mp_client`: only ever behind a pointer. Zero-sized and not
/// constructible; the marker makes it neither Send, Sync nor Unpin, so
/// nothing about it is assumed that the C library did not promise.
#[repr(C)]
pub struct mp_client {
    _private: [u8; 0],
    _marker: PhantomData<(*mut u8, PhantomPinned)>,
}

/// The opaque `mp_edits`, like `mp_client`.
#[repr(C)]
pub struct mp_edits {
    _private: [u8; 0],
    _marker: PhantomData<(*mut u8, PhantomPinned)>,
}

/// Declares the library's functions and records their names for the test
/// `every_header_function_is_declared`.
macro_rules! functions {
    ($(pub fn $name:ident($($arg:ident: $ty:ty),* $(,)?) $(-> $ret:ty)?;)*) => {
        extern "C" {
            $(pub fn $name($($arg: $ty),*) $(-> $ret)?;)*
        }
        #[cfg(test)]
        const DECLARED_FUNCTIONS: &[&str] = &[$(stringify!($name)),*];
    };
}

functions! {
    pub fn mp_request_init(r: *mut mp_request);
    pub fn mp_request_validate(r: *const mp_request) -> c_int;
    pub fn mp_request_problem(r: *const mp_request) -> *const c_char;
    pub fn mp_request_set_neighbours(
        r: *mut mp_request,
        finer: extern "C" fn(*mut c_void, i32, i32, i32) -> c_int,
        ctx: *mut c_void,
    );
    pub fn mp_mesh_local(r: *const mp_request, out: *mut mp_mesh_buf) -> c_int;
    pub fn mp_mesh_buf_free(b: *mut mp_mesh_buf);

    pub fn mp_connect(instance: *const c_char, out: *mut *mut mp_client) -> c_int;
    pub fn mp_connect_problem() -> *const c_char;
    pub fn mp_disconnect(c: *mut mp_client);
    pub fn mp_submit(c: *mut mp_client, r: *const mp_request) -> c_int;
    pub fn mp_submit_batch(c: *mut mp_client, r: *const mp_request, n: usize) -> c_int;
    pub fn mp_poll(c: *mut mp_client, out: *mut mp_result, max: usize) -> c_int;
    pub fn mp_wait(c: *mut mp_client, timeout_ms: c_int) -> c_int;
    pub fn mp_drain(c: *mut mp_client, timeout_ms: c_int) -> c_int;
    pub fn mp_cancel(c: *mut mp_client, user_data: u64) -> c_int;
    pub fn mp_pending(c: *const mp_client) -> usize;
    pub fn mp_unfinished(c: *const mp_client, out: *mut mp_request, max: usize) -> c_int;
    pub fn mp_mesh(c: *mut mp_client, r: *const mp_result, v: *mut mp_mesh_view) -> c_int;
    pub fn mp_release(c: *mut mp_client, r: *const mp_result);

    pub fn mp_strerror(err: c_int) -> *const c_char;

    pub fn mp_edits_new(out: *mut *mut mp_edits) -> c_int;
    pub fn mp_edits_free(e: *mut mp_edits);
    pub fn mp_edits_add(e: *mut mp_edits, b: *const mp_brush) -> c_int;
    pub fn mp_edits_count(e: *const mp_edits) -> usize;
    pub fn mp_brush_problem(b: *const mp_brush) -> *const c_char;
    pub fn mp_edits_chunks(
        b: *const mp_brush,
        like: *const mp_request,
        lo: *mut i32,
        hi: *mut i32,
    ) -> c_int;
    pub fn mp_edits_save(e: *const mp_edits, path: *const c_char) -> c_int;
    pub fn mp_edits_load(path: *const c_char, out: *mut *mut mp_edits) -> c_int;
    pub fn mp_edits_sample(e: *const mp_edits, f: *const mp_field, x: f32, y: f32, z: f32)
        -> f32;
    pub fn mp_edits_raycast(
        e: *const mp_edits,
        f: *const mp_field,
        from: *const f32,
        dir: *const f32,
        max_dist: f32,
        hit: *mut f32,
    ) -> c_int;
    pub fn mp_edits_touching(e: *const mp_edits, r: *const mp_request) -> c_long;
    pub fn mp_submit_edited(c: *mut mp_client, r: *const mp_request, e: *const mp_edits)
        -> c_int;
    pub fn mp_mesh_local_edited(
        r: *const mp_request,
        e: *const mp_edits,
        out: *mut mp_mesh_buf,
    ) -> c_int;
    pub fn mp_submit_group(
        c: *mut mp_client,
        r: *const mp_request,
        n: usize,
        e: *const mp_edits,
    ) -> c_int;
}

/// What the C compiler says (generated by build.rs).
#[allow(non_upper_case_globals, dead_code)]
mod c {
    include!(concat!(env!("OUT_DIR"), "/c_layout.rs"));
}

/// The size of a field's type, named through an accessor, because
/// `size_of_val` cannot be used on a field without a value in a constant.
const fn field_size<T, F>(_: fn(&T) -> &F) -> usize {
    std::mem::size_of::<F>()
}

/// Checks each listed struct and field against the C compiler's numbers at
/// compile time, and records what is mirrored for the completeness tests.
macro_rules! mirror {
    (
        structs { $($s:ident { $($f:ident),* $(,)? })* }
        consts { $($k:ident),* $(,)? }
    ) => {
        $(
            const _: () = {
                assert!(std::mem::size_of::<$s>() == c::$s::SIZE,
                    concat!("sizeof(", stringify!($s), ") differs from meshpool.h"));
                assert!(std::mem::align_of::<$s>() == c::$s::ALIGN,
                    concat!("alignment of ", stringify!($s), " differs from meshpool.h"));
                $(
                    assert!(std::mem::offset_of!($s, $f) == c::$s::$f.0,
                        concat!("offset of ", stringify!($s), ".", stringify!($f),
                            " differs from meshpool.h"));
                    assert!(field_size(|x: &$s| &x.$f) == c::$s::$f.1,
                        concat!("size of ", stringify!($s), ".", stringify!($f),
                            " differs from meshpool.h"));
                )*
            };
        )*
        $(
            // build.rs prints every constant as an f64, which holds each of
            // them exactly (integers below 2^53, MP_BRUSH_REACH a float).
            const _: () = assert!($k as f64 == c::$k,
                concat!(stringify!($k), " differs from meshpool.h"));
        )*

        #[cfg(test)]
        const MIRRORED_FIELDS: &[(&str, &str)] = &[
            $($( (stringify!($s), stringify!($f)), )*)*
        ];
        #[cfg(test)]
        const MIRRORED_CONSTS: &[&str] = &[$(stringify!($k)),*];
    };
}

mirror! {
    structs {
        mp_field { kind, seed, octaves, frequency, amplitude, offset, lacunarity, gain }
        mp_request {
            user_data, cx, cy, cz, lod, transitions, priority, cells, voxel_size, field,
            edges, corners, reserved,
        }
        mp_result {
            user_data, status, vertex_count, index_count, aabb_min, aabb_max,
            queue_ns, compute_ns, handle,
        }
        mp_mesh_view { positions, normals, indices, vertex_count, index_count, materials }
        mp_mesh_buf {
            positions, normals, indices, vertex_count, index_count, aabb_min, aabb_max,
            materials,
        }
        mp_brush { shape, op, material, reserved, a, b, radius, smooth }
    }
    consts {
        MP_VERSION_MAJOR, MP_VERSION_MINOR,
        MP_MAX_LOD, MP_MAX_CELLS, MP_MIN_CELLS, MP_MAX_OCTAVES,
        MP_OK, MP_EAGAIN, MP_EINVAL, MP_ENOMEM, MP_ECANCELED, MP_ETIMEDOUT, MP_EWORKER,
        MP_ESHUTDOWN, MP_ENOENT, MP_EPERM, MP_EDISCONNECTED, MP_EPROTO, MP_EIO,
        MP_FIELD_HEIGHTMAP, MP_FIELD_VOLUME,
        MP_TRANS_NX, MP_TRANS_PX, MP_TRANS_NY, MP_TRANS_PY, MP_TRANS_NZ, MP_TRANS_PZ,
        MP_EDGE_NX_NY, MP_EDGE_PX_NY, MP_EDGE_NX_PY, MP_EDGE_PX_PY,
        MP_EDGE_NX_NZ, MP_EDGE_PX_NZ, MP_EDGE_NX_PZ, MP_EDGE_PX_PZ,
        MP_EDGE_NY_NZ, MP_EDGE_PY_NZ, MP_EDGE_NY_PZ, MP_EDGE_PY_PZ,
        MP_CORNER_NX_NY_NZ, MP_CORNER_PX_NY_NZ, MP_CORNER_NX_PY_NZ, MP_CORNER_PX_PY_NZ,
        MP_CORNER_NX_NY_PZ, MP_CORNER_PX_NY_PZ, MP_CORNER_NX_PY_PZ, MP_CORNER_PX_PY_PZ,
        MP_BRUSH_SPHERE, MP_BRUSH_BOX, MP_BRUSH_CAPSULE,
        MP_EDIT_ADD, MP_EDIT_SUBTRACT, MP_EDIT_PAINT,
        MP_BRUSH_REACH, MP_MAX_BRUSHES,
    }
}

// mp_request and mp_brush have no padding: their fields cover every byte,
// so a typed Rust copy carries all of them (padding bytes may be left
// undefined by a copy), and `==` compares everything C reads. A field put
// into padding some day still fails `every_header_field_is_mirrored`.
const _: () = {
    let r = [
        c::mp_request::user_data,
        c::mp_request::cx,
        c::mp_request::cy,
        c::mp_request::cz,
        c::mp_request::lod,
        c::mp_request::transitions,
        c::mp_request::priority,
        c::mp_request::cells,
        c::mp_request::voxel_size,
        c::mp_request::field,
        c::mp_request::edges,
        c::mp_request::corners,
        c::mp_request::reserved,
    ];
    let b = [
        c::mp_brush::shape,
        c::mp_brush::op,
        c::mp_brush::material,
        c::mp_brush::reserved,
        c::mp_brush::a,
        c::mp_brush::b,
        c::mp_brush::radius,
        c::mp_brush::smooth,
    ];
    assert!(covers(&r, c::mp_request::SIZE), "mp_request has padding");
    assert!(covers(&b, c::mp_brush::SIZE), "mp_brush has padding");
};

/// Whether fields (offset, size), in order, tile 0..size without a gap.
const fn covers(fields: &[(usize, usize)], size: usize) -> bool {
    let mut end = 0;
    let mut i = 0;
    while i < fields.len() {
        if fields[i].0 != end {
            return false;
        }
        end += fields[i].1;
        i += 1;
    }
    end == size
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_header_field_is_mirrored() {
        let missing: Vec<String> = c::FIELDS
            .iter()
            .filter(|f| !MIRRORED_FIELDS.contains(f))
            .map(|(s, f)| format!("{s}.{f}"))
            .collect();
        assert!(
            missing.is_empty(),
            "meshpool.h fields not mirrored in src/ffi.rs: {missing:?}"
        );
        // The other way round is a compile error already (no such const).
        assert_eq!(c::FIELDS.len(), MIRRORED_FIELDS.len());
    }

    #[test]
    fn every_header_constant_is_mirrored() {
        let missing: Vec<&str> = c::CONSTS
            .iter()
            .copied()
            .filter(|k| !MIRRORED_CONSTS.contains(k))
            .collect();
        assert!(
            missing.is_empty(),
            "meshpool.h constants not mirrored in src/ffi.rs: {missing:?}"
        );
    }

    #[test]
    fn every_header_function_is_declared() {
        let missing: Vec<&str> = c::FUNCTIONS
            .iter()
            .copied()
            .filter(|f| !DECLARED_FUNCTIONS.contains(f))
            .collect();
        assert!(
            missing.is_empty(),
            "meshpool.h functions not declared in src/ffi.rs: {missing:?}"
        );
        let extra: Vec<&str> = DECLARED_FUNCTIONS
            .iter()
            .copied()
            .filter(|f| !c::FUNCTIONS.contains(f))
            .collect();
        assert!(
            extra.is_empty(),
            "declared but not in meshpool.h: {extra:?}"
        );
    }

    /// The scan of meshpool.h in build.rs found what is certainly there; a
    /// scan that found nothing would make the two tests above vacuous.
    #[test]
    fn header_scan_found_the_structs() {
        for s in [
            "mp_field",
            "mp_request",
            "mp_result",
            "mp_mesh_view",
            "mp_mesh_buf",
            "mp_brush",
        ] {
            assert!(
                c::FIELDS.iter().any(|(t, _)| *t == s),
                "no fields of {s} found in meshpool.h"
            );
        }
        assert!(c::CONSTS.contains(&"MP_EIO") && c::CONSTS.contains(&"MP_MAX_LOD"));
        assert!(c::CONSTS.contains(&"MP_BRUSH_REACH") && c::CONSTS.contains(&"MP_EDGE_PY_PZ"));
        assert!(
            c::CONSTS.contains(&"MP_CORNER_NX_NY_NZ") && c::CONSTS.contains(&"MP_CORNER_PX_PY_PZ")
        );
        assert_eq!(
            c::mp_request::corners,
            (62, 1),
            "corners is byte 62 (meshpool.h)"
        );
        assert_eq!(
            c::mp_request::reserved,
            (63, 1),
            "reserved is byte 63 (meshpool.h)"
        );
        assert!(c::FUNCTIONS.contains(&"mp_connect") && c::FUNCTIONS.contains(&"mp_submit_group"));
        assert_eq!(c::MP_BRUSH_REACH, 2.0);
        assert_eq!(
            c::mp_request::SIZE,
            64,
            "mp_request is one cache line (meshpool.h)"
        );
    }
}
