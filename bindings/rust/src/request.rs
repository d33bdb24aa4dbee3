use std::fmt;
use std::ops::{BitAnd, BitAndAssign, BitOr, BitOrAssign, Not};

use crate::error::Error;
use crate::ffi;
use crate::static_sentence;

/// A set of C bits as a Rust type: the named constants, the set
/// operations, and a Debug that names the bits (unknown ones in hex).
macro_rules! bit_set {
    (
        $(#[$doc:meta])*
        $name:ident($bits:ty) { $($(#[$cdoc:meta])* $flag:ident = $c:expr,)* }
    ) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
        pub struct $name($bits);

        impl $name {
            pub const NONE: Self = Self(0);
            $($(#[$cdoc])* pub const $flag: Self = Self($c);)*
            /// Every named bit.
            pub const ALL: Self = Self(0 $(| $c)*);

            const NAMES: &'static [(Self, &'static str)] = &[$((Self::$flag, stringify!($flag))),*];

            /// The C bit mask.
            pub const fn bits(self) -> $bits {
                self.0
            }

            /// The set of these bits, or None if any bit is not named.
            pub const fn from_bits(bits: $bits) -> Option<Self> {
                // Not `bits & !ALL == 0`: for Corners every bit is named,
                // and clippy calls a mask with 0 an error.
                if bits & Self::ALL.0 == bits {
                    Some(Self(bits))
                } else {
                    None
                }
            }

            /// The named bits of `bits`, the others dropped.
            pub const fn from_bits_truncate(bits: $bits) -> Self {
                Self(bits & Self::ALL.0)
            }

            pub const fn is_empty(self) -> bool {
                self.0 == 0
            }

            /// Whether every bit of `other` is in `self`.
            pub const fn contains(self, other: Self) -> bool {
                self.0 & other.0 == other.0
            }
        }

        impl BitOr for $name {
            type Output = Self;
            fn bitor(self, rhs: Self) -> Self {
                Self(self.0 | rhs.0)
            }
        }

        impl BitOrAssign for $name {
            fn bitor_assign(&mut self, rhs: Self) {
                self.0 |= rhs.0;
            }
        }

        impl BitAnd for $name {
            type Output = Self;
            fn bitand(self, rhs: Self) -> Self {
                Self(self.0 & rhs.0)
            }
        }

        impl BitAndAssign for $name {
            fn bitand_assign(&mut self, rhs: Self) {
                self.0 &= rhs.0;
            }
        }

        /// The named bits not in the set.
        impl Not for $name {
            type Output = Self;
            fn not(self) -> Self {
                Self(!self.0 & Self::ALL.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($name), "("))?;
                let mut first = true;
                for &(flag, name) in Self::NAMES {
                    if self.contains(flag) {
                        f.write_str(if first { "" } else { " | " })?;
                        f.write_str(name)?;
                        first = false;
                    }
                }
                let unknown = self.0 & !Self::ALL.0;
                match (first, unknown) {
                    (true, 0) => f.write_str("NONE")?,
                    (_, 0) => {}
                    (true, u) => write!(f, "{u:#04x}")?,
                    (false, u) => write!(f, " | {u:#04x}")?,
                }
                f.write_str(")")
            }
        }
    };
}

bit_set! {
    /// The faces of a chunk whose neighbour is one LOD finer (`MP_TRANS_*`):
    /// the chunk builds transition cells there so the two meet without cracks.
    /// Only meaningful above LOD 0.
    Transitions(u8) {
        /// -X face (`MP_TRANS_NX`).
        NX = ffi::MP_TRANS_NX,
        /// +X face (`MP_TRANS_PX`).
        PX = ffi::MP_TRANS_PX,
        /// -Y face (`MP_TRANS_NY`).
        NY = ffi::MP_TRANS_NY,
        /// +Y face (`MP_TRANS_PY`).
        PY = ffi::MP_TRANS_PY,
        /// -Z face (`MP_TRANS_NZ`).
        NZ = ffi::MP_TRANS_NZ,
        /// +Z face (`MP_TRANS_PZ`).
        PZ = ffi::MP_TRANS_PZ,
    }
}

bit_set! {
    /// The 12 edges of a chunk whose diagonal neighbour (the chunk sharing
    /// only that edge) is one LOD finer (`MP_EDGE_*`), each named by the two
    /// faces that meet there: `NX_NY` is the edge along z where the -X and
    /// -Y faces meet. With [`Transitions`] they tell the mesher whether the
    /// same-LOD neighbour across a face has the same transition face, so
    /// both can give the transition cells their full width; none (not
    /// known) is still watertight, with thinner transition cells. Needs LOD
    /// 1 or more, like transitions.
    Edges(u16) {
        /// Along z, -X and -Y faces (`MP_EDGE_NX_NY`).
        NX_NY = ffi::MP_EDGE_NX_NY,
        /// Along z, +X and -Y faces (`MP_EDGE_PX_NY`).
        PX_NY = ffi::MP_EDGE_PX_NY,
        /// Along z, -X and +Y faces (`MP_EDGE_NX_PY`).
        NX_PY = ffi::MP_EDGE_NX_PY,
        /// Along z, +X and +Y faces (`MP_EDGE_PX_PY`).
        PX_PY = ffi::MP_EDGE_PX_PY,
        /// Along y, -X and -Z faces (`MP_EDGE_NX_NZ`).
        NX_NZ = ffi::MP_EDGE_NX_NZ,
        /// Along y, +X and -Z faces (`MP_EDGE_PX_NZ`).
        PX_NZ = ffi::MP_EDGE_PX_NZ,
        /// Along y, -X and +Z faces (`MP_EDGE_NX_PZ`).
        NX_PZ = ffi::MP_EDGE_NX_PZ,
        /// Along y, +X and +Z faces (`MP_EDGE_PX_PZ`).
        PX_PZ = ffi::MP_EDGE_PX_PZ,
        /// Along x, -Y and -Z faces (`MP_EDGE_NY_NZ`).
        NY_NZ = ffi::MP_EDGE_NY_NZ,
        /// Along x, +Y and -Z faces (`MP_EDGE_PY_NZ`).
        PY_NZ = ffi::MP_EDGE_PY_NZ,
        /// Along x, -Y and +Z faces (`MP_EDGE_NY_PZ`).
        NY_PZ = ffi::MP_EDGE_NY_PZ,
        /// Along x, +Y and +Z faces (`MP_EDGE_PY_PZ`).
        PY_PZ = ffi::MP_EDGE_PY_PZ,
    }
}

bit_set! {
    /// The 8 corners of a chunk whose diagonal neighbour (the chunk sharing
    /// only that corner) is one LOD finer (`MP_CORNER_*`), each named by the
    /// three faces that meet there: `PX_NY_PZ` is the corner of the +X, -Y
    /// and +Z faces (bit number: +X 1, +Y 2, +Z 4). Beside a transition
    /// face, the four chunks around the edge line of two plain faces share
    /// the vertices on it; with the corner bit all four know that each has
    /// the transition face, and move those vertices alike instead of
    /// keeping them in place. None (not known) keeps them in place. Needs
    /// LOD 1 or more, like transitions and [`Edges`].
    Corners(u8) {
        /// -X, -Y and -Z faces (`MP_CORNER_NX_NY_NZ`).
        NX_NY_NZ = ffi::MP_CORNER_NX_NY_NZ,
        /// +X, -Y and -Z faces (`MP_CORNER_PX_NY_NZ`).
        PX_NY_NZ = ffi::MP_CORNER_PX_NY_NZ,
        /// -X, +Y and -Z faces (`MP_CORNER_NX_PY_NZ`).
        NX_PY_NZ = ffi::MP_CORNER_NX_PY_NZ,
        /// +X, +Y and -Z faces (`MP_CORNER_PX_PY_NZ`).
        PX_PY_NZ = ffi::MP_CORNER_PX_PY_NZ,
        /// -X, -Y and +Z faces (`MP_CORNER_NX_NY_PZ`).
        NX_NY_PZ = ffi::MP_CORNER_NX_NY_PZ,
        /// +X, -Y and +Z faces (`MP_CORNER_PX_NY_PZ`).
        PX_NY_PZ = ffi::MP_CORNER_PX_NY_PZ,
        /// -X, +Y and +Z faces (`MP_CORNER_NX_PY_PZ`).
        NX_PY_PZ = ffi::MP_CORNER_NX_PY_PZ,
        /// +X, +Y and +Z faces (`MP_CORNER_PX_PY_PZ`).
        PX_PY_PZ = ffi::MP_CORNER_PX_PY_PZ,
    }
}

/// The density field sampled (`MP_FIELD_*`): a heightmap has no overhangs,
/// a volume makes overhangs and caves where amplitude * frequency is large.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FieldKind {
    Heightmap,
    Volume,
}

impl FieldKind {
    fn to_raw(self) -> u32 {
        match self {
            FieldKind::Heightmap => ffi::MP_FIELD_HEIGHTMAP,
            FieldKind::Volume => ffi::MP_FIELD_VOLUME,
        }
    }
}

/// One chunk to mesh: `mp_request` and its `mp_field`, built from
/// `mp_request_init`'s defaults with `with_*` setters.
///
/// The setters store what they are given; whether the request is in range
/// is the C library's call (`validate`, or `Error::Invalid` from submit and
/// `mesh_local`), so the rules live in one place.
///
/// ```
/// use meshpool::{Request, Transitions};
///
/// let r = Request::new()
///     .with_chunk(3, -1, 7)
///     .with_lod(1)
///     .with_transitions(Transitions::NX | Transitions::PZ)
///     .with_user_data(42);
/// assert_eq!(r.chunk(), [3, -1, 7]);
/// assert_eq!(r.cells(), 32); // mp_request_init's default
/// ```
#[repr(transparent)] // a slice of Requests is an array of mp_request
#[derive(Clone, Copy, PartialEq)]
pub struct Request(pub(crate) ffi::mp_request);

impl Request {
    /// `mp_request_init`'s defaults: chunk (0, 0, 0), LOD 0, no
    /// transitions, no edges, no corners, lane 0, 32 cells, voxel size 1,
    /// user_data 0, and a heightmap of seed 42, 4 octaves, frequency 0.02, amplitude 10,
    /// offset 0, lacunarity 2, gain 0.5.
    pub fn new() -> Self {
        let mut raw = ffi::mp_request::ZEROED;
        // SAFETY: raw is a valid, writable mp_request; mp_request_init
        // writes only within it.
        unsafe { ffi::mp_request_init(&mut raw) };
        Request(raw)
    }

    /// Returned untouched in the result: the caller's key for the chunk.
    pub fn with_user_data(mut self, user_data: u64) -> Self {
        self.0.user_data = user_data;
        self
    }

    /// Chunk coordinates at this request's LOD.
    pub fn with_chunk(mut self, x: i32, y: i32, z: i32) -> Self {
        (self.0.cx, self.0.cy, self.0.cz) = (x, y, z);
        self
    }

    /// Level of detail, 0..=15 (`MP_MAX_LOD`): the chunk covers 2^lod times
    /// the space of a LOD 0 chunk and samples every 2^lod voxels.
    pub fn with_lod(mut self, lod: u8) -> Self {
        self.0.lod = lod;
        self
    }

    /// Faces whose neighbour is one LOD finer; must be empty at LOD 0.
    pub fn with_transitions(mut self, transitions: Transitions) -> Self {
        self.0.transitions = transitions.bits();
        self
    }

    /// Edges whose diagonal neighbour is one LOD finer; must be empty at
    /// LOD 0. Leaving them empty is always watertight (see [`Edges`]).
    pub fn with_edges(mut self, edges: Edges) -> Self {
        self.0.edges = edges.bits();
        self
    }

    /// Corners whose diagonal neighbour is one LOD finer; must be empty at
    /// LOD 0. Leaving them empty is always watertight (see [`Corners`]).
    pub fn with_corners(mut self, corners: Corners) -> Self {
        self.0.corners = corners.bits();
        self
    }

    /// Transitions, edges and corners from where the finer chunks are
    /// (`mp_request_set_neighbours`): `finer(cx, cy, cz)` says whether the
    /// place of that chunk, at this request's LOD, is covered one LOD
    /// finer. It is asked about the 6 face neighbours, the 12 chunks
    /// diagonally across the edges and the 8 across the corners, and all
    /// three masks are replaced. Set the chunk and LOD first; at LOD 0 all
    /// three are cleared and `finer` is not called.
    pub fn with_neighbours<F: FnMut(i32, i32, i32) -> bool>(mut self, mut finer: F) -> Self {
        extern "C" fn call<F: FnMut(i32, i32, i32) -> bool>(
            ctx: *mut std::os::raw::c_void,
            x: i32,
            y: i32,
            z: i32,
        ) -> std::os::raw::c_int {
            // SAFETY: ctx is the &mut F passed below, alive for the call.
            let f = unsafe { &mut *(ctx as *mut F) };
            f(x, y, z) as std::os::raw::c_int
        }
        // SAFETY: self.0 is a valid mp_request; the callback only runs
        // during this call, with ctx pointing at finer.
        unsafe {
            ffi::mp_request_set_neighbours(
                &mut self.0,
                call::<F>,
                &mut finer as *mut F as *mut std::os::raw::c_void,
            )
        };
        self
    }

    /// The lane, 0..=3, 0 the most urgent: this client's lane 0 is served
    /// before its lane 1, and so on.
    pub fn with_priority(mut self, lane: u8) -> Self {
        self.0.priority = lane;
        self
    }

    /// Cells per chunk side, 8..=64 (0 means 32).
    pub fn with_cells(mut self, cells: u8) -> Self {
        self.0.cells = cells;
        self
    }

    /// Size of a voxel at LOD 0: positive and finite.
    pub fn with_voxel_size(mut self, voxel_size: f32) -> Self {
        self.0.voxel_size = voxel_size;
        self
    }

    pub fn with_field_kind(mut self, kind: FieldKind) -> Self {
        self.0.field.kind = kind.to_raw();
        self
    }

    pub fn with_seed(mut self, seed: u32) -> Self {
        self.0.field.seed = seed;
        self
    }

    /// Noise octaves, 1..=16.
    pub fn with_octaves(mut self, octaves: u32) -> Self {
        self.0.field.octaves = octaves;
        self
    }

    /// Frequency of the first octave: positive and finite.
    pub fn with_frequency(mut self, frequency: f32) -> Self {
        self.0.field.frequency = frequency;
        self
    }

    /// The surface stays within offset ± |amplitude|.
    pub fn with_amplitude(mut self, amplitude: f32) -> Self {
        self.0.field.amplitude = amplitude;
        self
    }

    pub fn with_offset(mut self, offset: f32) -> Self {
        self.0.field.offset = offset;
        self
    }

    /// Frequency factor from one octave to the next (0 means 2).
    pub fn with_lacunarity(mut self, lacunarity: f32) -> Self {
        self.0.field.lacunarity = lacunarity;
        self
    }

    /// Weight factor from one octave to the next (0 means 0.5).
    pub fn with_gain(mut self, gain: f32) -> Self {
        self.0.field.gain = gain;
        self
    }

    pub fn user_data(&self) -> u64 {
        self.0.user_data
    }

    pub fn chunk(&self) -> [i32; 3] {
        [self.0.cx, self.0.cy, self.0.cz]
    }

    pub fn lod(&self) -> u8 {
        self.0.lod
    }

    pub fn transitions(&self) -> Transitions {
        // Unknown bits are kept, not dropped: validate() reports them.
        Transitions(self.0.transitions)
    }

    pub fn edges(&self) -> Edges {
        // Unknown bits are kept, as for transitions.
        Edges(self.0.edges)
    }

    pub fn corners(&self) -> Corners {
        // Every u8 bit is a named corner: none is unknown.
        Corners(self.0.corners)
    }

    pub fn priority(&self) -> u8 {
        self.0.priority
    }

    /// As stored: 0 means 32.
    pub fn cells(&self) -> u8 {
        self.0.cells
    }

    pub fn voxel_size(&self) -> f32 {
        self.0.voxel_size
    }

    /// None for a kind value this crate does not know.
    pub fn field_kind(&self) -> Option<FieldKind> {
        match self.0.field.kind {
            ffi::MP_FIELD_HEIGHTMAP => Some(FieldKind::Heightmap),
            ffi::MP_FIELD_VOLUME => Some(FieldKind::Volume),
            _ => None,
        }
    }

    pub fn seed(&self) -> u32 {
        self.0.field.seed
    }

    pub fn octaves(&self) -> u32 {
        self.0.field.octaves
    }

    pub fn frequency(&self) -> f32 {
        self.0.field.frequency
    }

    pub fn amplitude(&self) -> f32 {
        self.0.field.amplitude
    }

    pub fn offset(&self) -> f32 {
        self.0.field.offset
    }

    pub fn lacunarity(&self) -> f32 {
        self.0.field.lacunarity
    }

    pub fn gain(&self) -> f32 {
        self.0.field.gain
    }

    /// `mp_request_problem`: None if every field is in range, else the
    /// library's sentence naming the field and the rule it breaks
    /// ("transitions need lod >= 1 (no finer neighbour exists)").
    pub fn problem(&self) -> Option<&'static str> {
        // SAFETY: self.0 is a valid mp_request, only read; the result is
        // NULL or a static NUL-terminated string (meshpool.h).
        unsafe { static_sentence(ffi::mp_request_problem(&self.0)) }
    }

    /// `mp_request_validate`: Ok if every field is in range, else
    /// `Error::Invalid` with the sentence of [`problem`](Request::problem).
    pub fn validate(&self) -> Result<(), Error> {
        // SAFETY: self.0 is a valid mp_request, only read.
        match unsafe { ffi::mp_request_validate(&self.0) } {
            ffi::MP_OK => Ok(()),
            _ => Err(self.invalid()),
        }
    }

    /// `Error::Invalid` with this request's problem, for an MP_EINVAL the
    /// library gave about it.
    pub(crate) fn invalid(&self) -> Error {
        Error::Invalid(self.problem())
    }

    /// The C field struct, for the edit calls that take one.
    pub(crate) fn field(&self) -> &ffi::mp_field {
        &self.0.field
    }
}

impl Default for Request {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Request")
            .field("user_data", &self.0.user_data)
            .field("chunk", &self.chunk())
            .field("lod", &self.0.lod)
            .field("transitions", &self.transitions())
            .field("edges", &self.edges())
            .field("corners", &self.corners())
            .field("priority", &self.0.priority)
            .field("cells", &self.0.cells)
            .field("voxel_size", &self.0.voxel_size)
            .field("field", &self.0.field)
            .field("reserved", &self.0.reserved)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What mp_request_init wrote, read field by field from the C struct.
    fn c_defaults() -> ffi::mp_request {
        let mut raw = ffi::mp_request::ZEROED;
        // SAFETY: raw is a valid, writable mp_request.
        unsafe { ffi::mp_request_init(&mut raw) };
        raw
    }

    #[test]
    fn defaults_are_mp_request_init() {
        let r = Request::new();
        assert_eq!(r.0, c_defaults());
        assert_eq!(Request::default().0, c_defaults());
        // ... and they are the ones documented on Request::new and in
        // meshpool.h, so the docs cannot drift from the library.
        assert_eq!(r.user_data(), 0);
        assert_eq!(r.chunk(), [0, 0, 0]);
        assert_eq!(r.lod(), 0);
        assert_eq!(r.transitions(), Transitions::NONE);
        assert_eq!(r.priority(), 0);
        assert_eq!(r.cells(), 32);
        assert_eq!(r.voxel_size(), 1.0);
        assert_eq!(r.field_kind(), Some(FieldKind::Heightmap));
        assert_eq!(r.seed(), 42);
        assert_eq!(r.octaves(), 4);
        assert_eq!(r.frequency(), 0.02);
        assert_eq!(r.amplitude(), 10.0);
        assert_eq!(r.offset(), 0.0);
        assert_eq!(r.lacunarity(), 2.0);
        assert_eq!(r.gain(), 0.5);
        assert_eq!(r.edges(), Edges::NONE);
        assert_eq!(r.corners(), Corners::NONE);
        assert_eq!(r.0.reserved, 0);
        assert_eq!(r.validate(), Ok(()));
        assert_eq!(r.problem(), None);
    }

    #[test]
    fn each_setter_writes_its_c_field_only() {
        let r = Request::new()
            .with_user_data(0xdead_beef_0000_0001)
            .with_chunk(-3, 4, i32::MAX)
            .with_lod(2)
            .with_transitions(Transitions::NY | Transitions::PZ)
            .with_edges(Edges::NX_NY | Edges::PY_PZ)
            .with_corners(Corners::PX_NY_NZ | Corners::NX_PY_PZ)
            .with_priority(3)
            .with_cells(48)
            .with_voxel_size(0.25)
            .with_field_kind(FieldKind::Volume)
            .with_seed(7)
            .with_octaves(6)
            .with_frequency(0.05)
            .with_amplitude(-20.0)
            .with_offset(5.5)
            .with_lacunarity(1.9)
            .with_gain(0.45);
        let mut want = c_defaults();
        want.user_data = 0xdead_beef_0000_0001;
        (want.cx, want.cy, want.cz) = (-3, 4, i32::MAX);
        want.lod = 2;
        want.transitions = ffi::MP_TRANS_NY | ffi::MP_TRANS_PZ;
        want.edges = ffi::MP_EDGE_NX_NY | ffi::MP_EDGE_PY_PZ;
        want.corners = ffi::MP_CORNER_PX_NY_NZ | ffi::MP_CORNER_NX_PY_PZ;
        want.priority = 3;
        want.cells = 48;
        want.voxel_size = 0.25;
        want.field = ffi::mp_field {
            kind: ffi::MP_FIELD_VOLUME,
            seed: 7,
            octaves: 6,
            frequency: 0.05,
            amplitude: -20.0,
            offset: 5.5,
            lacunarity: 1.9,
            gain: 0.45,
        };
        assert_eq!(r.0, want);
        assert_eq!(r.chunk(), [-3, 4, i32::MAX]);
        assert_eq!(r.field_kind(), Some(FieldKind::Volume));
        assert_eq!(r.edges(), Edges::NX_NY | Edges::PY_PZ);
        assert_eq!(r.corners(), Corners::PX_NY_NZ | Corners::NX_PY_PZ);
        assert_eq!(
            Request::new().with_corners(Corners::ALL).0.corners,
            0xff,
            "every bit of the C field"
        );
    }

    #[test]
    fn validate_is_the_c_check() {
        let good = Request::new()
            .with_lod(1)
            .with_transitions(Transitions::ALL)
            .with_edges(Edges::ALL)
            .with_corners(Corners::ALL);
        assert_eq!(good.validate(), Ok(()));
        assert_eq!(good.problem(), None);
        let mut reserved = Request::new();
        reserved.0.reserved = 1;
        // Each one alone is invalid, and the error carries the library's
        // sentence, which names the field.
        let bad = [
            (
                Request::new().with_transitions(Transitions::NX),
                "transitions need lod >= 1",
            ),
            (
                Request::new().with_edges(Edges::PX_NZ),
                "edges need lod >= 1",
            ),
            (
                Request::new().with_corners(Corners::PX_PY_PZ),
                "corners need lod >= 1 (no finer chunk exists)",
            ),
            (
                Request::new().with_lod(1).with_edges(Edges(1 << 12)),
                "edge bits above bit 11",
            ),
            (reserved, "reserved must be 0"),
            (Request::new().with_octaves(17), "octaves"),
            (Request::new().with_priority(4), "priority above 3"),
            (Request::new().with_cells(7), "cells out of range"),
            (Request::new().with_voxel_size(0.0), "voxel_size"),
            (Request::new().with_frequency(f32::NAN), "frequency"),
            (Request::new().with_lod(16), "lod above MP_MAX_LOD"),
        ];
        for (r, words) in bad {
            let problem = r
                .problem()
                .unwrap_or_else(|| panic!("no problem with {r:?}"));
            assert!(problem.contains(words), "{r:?}: {problem:?}");
            let err = r.validate().expect_err("invalid");
            assert_eq!(err, Error::Invalid(Some(problem)));
            assert!(
                err.to_string().ends_with(problem),
                "Display shows the sentence: {err}"
            );
        }
    }

    #[test]
    fn edges_behave_like_bit_flags() {
        let all = [
            Edges::NX_NY,
            Edges::PX_NY,
            Edges::NX_PY,
            Edges::PX_PY,
            Edges::NX_NZ,
            Edges::PX_NZ,
            Edges::NX_PZ,
            Edges::PX_PZ,
            Edges::NY_NZ,
            Edges::PY_NZ,
            Edges::NY_PZ,
            Edges::PY_PZ,
        ];
        // Twelve distinct bits, 0..=11 in the header's order.
        for (i, e) in all.iter().enumerate() {
            assert_eq!(e.bits(), 1 << i);
        }
        assert_eq!(Edges::ALL.bits(), 0x0fff);
        assert_eq!(Edges::from_bits(0x1000), None);
        assert_eq!(Edges::from_bits_truncate(0xffff), Edges::ALL);
        assert_eq!(!(Edges::ALL & !Edges::NX_NY), Edges::NX_NY);
        assert_eq!(
            format!("{:?}", Edges::NX_PY | Edges::PY_PZ),
            "Edges(NX_PY | PY_PZ)"
        );
        assert_eq!(format!("{:?}", Edges::NONE), "Edges(NONE)");
    }

    #[test]
    fn corners_behave_like_bit_flags() {
        let all = [
            Corners::NX_NY_NZ,
            Corners::PX_NY_NZ,
            Corners::NX_PY_NZ,
            Corners::PX_PY_NZ,
            Corners::NX_NY_PZ,
            Corners::PX_NY_PZ,
            Corners::NX_PY_PZ,
            Corners::PX_PY_PZ,
        ];
        // Eight distinct bits, 0..=7 in the header's order: +X 1, +Y 2, +Z 4.
        for (i, c) in all.iter().enumerate() {
            assert_eq!(c.bits(), 1 << i);
            let name = format!("{c:?}");
            for (axis, bit) in [("X", 1), ("Y", 2), ("Z", 4)] {
                let sign = if i & bit != 0 { "P" } else { "N" };
                assert!(name.contains(&format!("{sign}{axis}")), "{name} is bit {i}");
            }
        }
        assert_eq!(Corners::ALL.bits(), 0xff);
        assert_eq!(Corners::from_bits(0xff), Some(Corners::ALL));
        assert_eq!(Corners::from_bits_truncate(0xff), Corners::ALL);
        assert_eq!(!Corners::ALL, Corners::NONE);
        assert_eq!(!(Corners::ALL & !Corners::NX_NY_NZ), Corners::NX_NY_NZ);
        assert_eq!(
            format!("{:?}", Corners::NX_PY_NZ | Corners::PX_PY_PZ),
            "Corners(NX_PY_NZ | PX_PY_PZ)"
        );
        assert_eq!(format!("{:?}", Corners::NONE), "Corners(NONE)");
    }

    #[test]
    fn with_neighbours_is_mp_request_set_neighbours() {
        // Chunk (5, -2, 7) at LOD 2; finer: its -X face neighbour, the chunk
        // across its +Y/-Z edge and the one across its +X/-Y/+Z corner.
        let finer = [[4, -2, 7], [5, -1, 6], [6, -3, 8]];
        let mut asked = Vec::new();
        let r = Request::new()
            .with_chunk(5, -2, 7)
            .with_lod(2)
            .with_transitions(Transitions::PZ) // replaced, not kept
            .with_corners(Corners::NX_NY_NZ)
            .with_neighbours(|x, y, z| {
                asked.push([x, y, z]);
                finer.contains(&[x, y, z])
            });
        assert_eq!(r.transitions(), Transitions::NX);
        assert_eq!(r.edges(), Edges::PY_NZ);
        assert_eq!(r.corners(), Corners::PX_NY_PZ);
        assert_eq!(r.validate(), Ok(()));
        // Each of the 26 chunks around it asked once, never itself.
        asked.sort_unstable();
        asked.dedup();
        assert_eq!(asked.len(), 26);
        assert!(!asked.contains(&[5, -2, 7]));

        // Only the corner chunk finer: only its corner bit.
        let r = Request::new()
            .with_chunk(0, 0, 0)
            .with_lod(1)
            .with_neighbours(|x, y, z| [x, y, z] == [-1, 1, 1]);
        assert_eq!(
            (r.transitions(), r.edges(), r.corners()),
            (Transitions::NONE, Edges::NONE, Corners::NX_PY_PZ)
        );

        // At LOD 0 all three are cleared and finer is not called.
        let r = Request::new()
            .with_corners(Corners::ALL)
            .with_neighbours(|_, _, _| panic!("asked at LOD 0"));
        assert_eq!(r.corners(), Corners::NONE);
        assert_eq!(r.validate(), Ok(()));
    }

    #[test]
    fn transitions_behave_like_bit_flags() {
        let t = Transitions::NX | Transitions::PY;
        assert_eq!(t.bits(), ffi::MP_TRANS_NX | ffi::MP_TRANS_PY);
        assert!(t.contains(Transitions::NX) && !t.contains(Transitions::PX));
        assert!(t.contains(Transitions::NONE));
        assert_eq!(t & Transitions::PY, Transitions::PY);
        assert_eq!(
            !t,
            Transitions::PX | Transitions::NY | Transitions::NZ | Transitions::PZ
        );
        assert_eq!(!Transitions::ALL, Transitions::NONE);
        assert_eq!(Transitions::ALL.bits(), 63);
        assert_eq!(Transitions::from_bits(63), Some(Transitions::ALL));
        assert_eq!(Transitions::from_bits(64), None);
        assert_eq!(Transitions::from_bits_truncate(0xff), Transitions::ALL);
        let mut m = Transitions::NONE;
        assert!(m.is_empty());
        m |= Transitions::NZ;
        m &= Transitions::NZ | Transitions::PZ;
        assert_eq!(m, Transitions::NZ);
        assert_eq!(format!("{t:?}"), "Transitions(NX | PY)");
        assert_eq!(format!("{:?}", Transitions::NONE), "Transitions(NONE)");
        assert_eq!(format!("{:?}", Transitions(0x41)), "Transitions(NX | 0x40)");
    }
}
