use std::fmt;
use std::ops::{BitAnd, BitAndAssign, BitOr, BitOrAssign, Not};

use crate::error::Error;
use crate::ffi;

/// The faces of a chunk whose neighbour is one LOD finer (`MP_TRANS_*`):
/// the chunk builds transition cells there so the two meet without cracks.
/// Only meaningful above LOD 0.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Transitions(u8);

impl Transitions {
    pub const NONE: Self = Self(0);
    /// -X face (`MP_TRANS_NX`).
    pub const NX: Self = Self(ffi::MP_TRANS_NX);
    /// +X face (`MP_TRANS_PX`).
    pub const PX: Self = Self(ffi::MP_TRANS_PX);
    /// -Y face (`MP_TRANS_NY`).
    pub const NY: Self = Self(ffi::MP_TRANS_NY);
    /// +Y face (`MP_TRANS_PY`).
    pub const PY: Self = Self(ffi::MP_TRANS_PY);
    /// -Z face (`MP_TRANS_NZ`).
    pub const NZ: Self = Self(ffi::MP_TRANS_NZ);
    /// +Z face (`MP_TRANS_PZ`).
    pub const PZ: Self = Self(ffi::MP_TRANS_PZ);
    /// All six faces.
    pub const ALL: Self = Self(
        ffi::MP_TRANS_NX
            | ffi::MP_TRANS_PX
            | ffi::MP_TRANS_NY
            | ffi::MP_TRANS_PY
            | ffi::MP_TRANS_NZ
            | ffi::MP_TRANS_PZ,
    );

    const NAMES: [(Self, &'static str); 6] = [
        (Self::NX, "NX"),
        (Self::PX, "PX"),
        (Self::NY, "NY"),
        (Self::PY, "PY"),
        (Self::NZ, "NZ"),
        (Self::PZ, "PZ"),
    ];

    /// The C bit mask.
    pub const fn bits(self) -> u8 {
        self.0
    }

    /// The set of these bits, or None if any bit is not a face.
    pub const fn from_bits(bits: u8) -> Option<Self> {
        if bits & !Self::ALL.0 == 0 {
            Some(Self(bits))
        } else {
            None
        }
    }

    /// The face bits of `bits`, the others dropped.
    pub const fn from_bits_truncate(bits: u8) -> Self {
        Self(bits & Self::ALL.0)
    }

    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Whether every face of `other` is in `self`.
    pub const fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }
}

impl BitOr for Transitions {
    type Output = Self;
    fn bitor(self, rhs: Self) -> Self {
        Self(self.0 | rhs.0)
    }
}

impl BitOrAssign for Transitions {
    fn bitor_assign(&mut self, rhs: Self) {
        self.0 |= rhs.0;
    }
}

impl BitAnd for Transitions {
    type Output = Self;
    fn bitand(self, rhs: Self) -> Self {
        Self(self.0 & rhs.0)
    }
}

impl BitAndAssign for Transitions {
    fn bitand_assign(&mut self, rhs: Self) {
        self.0 &= rhs.0;
    }
}

/// The faces not in the set (within the six).
impl Not for Transitions {
    type Output = Self;
    fn not(self) -> Self {
        Self(!self.0 & Self::ALL.0)
    }
}

impl fmt::Debug for Transitions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Transitions(")?;
        let mut first = true;
        for (face, name) in Self::NAMES {
            if self.contains(face) {
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
    /// transitions, lane 0, 32 cells, voxel size 1, user_data 0, and a
    /// heightmap of seed 42, 4 octaves, frequency 0.02, amplitude 10,
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

    /// `mp_request_validate`: Ok if every field is in range, else
    /// `Error::Invalid`.
    pub fn validate(&self) -> Result<(), Error> {
        // SAFETY: self.0 is a valid mp_request, only read.
        Error::check(unsafe { ffi::mp_request_validate(&self.0) })
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
            .field("priority", &self.0.priority)
            .field("cells", &self.0.cells)
            .field("voxel_size", &self.0.voxel_size)
            .field("field", &self.0.field)
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
        assert_eq!(r.0.reserved, [0; 4]);
        assert_eq!(r.validate(), Ok(()));
    }

    #[test]
    fn each_setter_writes_its_c_field_only() {
        let r = Request::new()
            .with_user_data(0xdead_beef_0000_0001)
            .with_chunk(-3, 4, i32::MAX)
            .with_lod(2)
            .with_transitions(Transitions::NY | Transitions::PZ)
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
    }

    #[test]
    fn validate_is_the_c_check() {
        assert_eq!(
            Request::new()
                .with_lod(1)
                .with_transitions(Transitions::ALL)
                .validate(),
            Ok(())
        );
        // Transitions at LOD 0, too many octaves, a lane past 3, cells
        // below 8, a voxel of size 0: each one alone is invalid.
        let bad = [
            Request::new().with_transitions(Transitions::NX),
            Request::new().with_octaves(17),
            Request::new().with_priority(4),
            Request::new().with_cells(7),
            Request::new().with_voxel_size(0.0),
            Request::new().with_frequency(f32::NAN),
            Request::new().with_lod(16),
        ];
        for r in bad {
            assert_eq!(r.validate(), Err(Error::Invalid), "{r:?}");
        }
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
