use std::ffi::CString;
use std::fmt;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::ptr::{self, NonNull};

use crate::error::Error;
use crate::ffi;
use crate::request::Request;
use crate::{static_sentence, MAX_BRUSHES};

/// `MP_EINVAL` from an edited request that is valid itself.
pub(crate) const TOO_MANY_BRUSHES: &str =
    "more than MP_MAX_BRUSHES (8192) brushes touch the chunk (Edits::touching)";
/// `MP_EINVAL` from a group whose members are all valid.
pub(crate) const GROUP_NEVER_FITS: &str =
    "the group can never fit: more members than can be in flight or than a lane holds, \
     or more brushes than this client's memory holds";

/// The shape of a [`Brush`] (`MP_BRUSH_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BrushShape {
    /// `MP_BRUSH_SPHERE`: centre `a`, `radius`.
    Sphere,
    /// `MP_BRUSH_BOX`: corners `a` (min) and `b` (max), `radius` rounds
    /// its edges and corners.
    Box,
    /// `MP_BRUSH_CAPSULE`: the segment from `a` to `b`, grown by `radius`.
    Capsule,
}

/// What a [`Brush`] does (`MP_EDIT_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum EditOp {
    /// `MP_EDIT_ADD`: builds (the union with the terrain), with the
    /// brush's material.
    #[default]
    Add,
    /// `MP_EDIT_SUBTRACT`: digs.
    Subtract,
    /// `MP_EDIT_PAINT`: sets the material of what is there, shape
    /// unchanged.
    Paint,
}

/// One terrain edit (`mp_brush`), in world units: a shape, what it does,
/// and the material it writes. Built with a shape's constructor and
/// `with_*` setters; whether it is in range is the library's call
/// ([`problem`](Brush::problem), or `Error::Invalid` from
/// [`Edits::add`]).
///
/// ```
/// use meshpool::{Brush, EditOp};
///
/// let dig = Brush::sphere([3.0, -2.0, 5.0], 4.0).with_op(EditOp::Subtract);
/// let wall = Brush::cuboid([0.0, 0.0, 0.0], [8.0, 4.0, 1.0])
///     .with_material(3)
///     .with_rounding(0.25)
///     .with_smooth(1.0);
/// assert_eq!(dig.problem(), None);
/// assert_eq!(wall.problem(), None);
/// assert!(Brush::sphere([0.0; 3], 0.0).problem().unwrap().contains("radius > 0"));
/// ```
#[repr(transparent)]
#[derive(Clone, Copy, PartialEq)]
pub struct Brush(pub(crate) ffi::mp_brush);

impl Brush {
    fn new(shape: u8, a: [f32; 3], b: [f32; 3], radius: f32) -> Brush {
        Brush(ffi::mp_brush {
            shape,
            op: ffi::MP_EDIT_ADD,
            material: 0,
            reserved: 0,
            a,
            b,
            radius,
            smooth: 0.0,
        })
    }

    /// A ball of `radius` (> 0) around `center`; it adds, material 0,
    /// sharp.
    pub fn sphere(center: [f32; 3], radius: f32) -> Brush {
        Brush::new(ffi::MP_BRUSH_SPHERE, center, [0.0; 3], radius)
    }

    /// The axis-aligned box from `min` to `max` (`MP_BRUSH_BOX`; `min <
    /// max` on every axis), sharp-cornered until
    /// [`with_rounding`](Brush::with_rounding). Not `box`: a Rust keyword.
    pub fn cuboid(min: [f32; 3], max: [f32; 3]) -> Brush {
        Brush::new(ffi::MP_BRUSH_BOX, min, max, 0.0)
    }

    /// The points within `radius` (> 0) of the segment from `a` to `b`.
    pub fn capsule(a: [f32; 3], b: [f32; 3], radius: f32) -> Brush {
        Brush::new(ffi::MP_BRUSH_CAPSULE, a, b, radius)
    }

    /// Build, dig or paint (the default is [`EditOp::Add`]).
    pub fn with_op(mut self, op: EditOp) -> Self {
        self.0.op = match op {
            EditOp::Add => ffi::MP_EDIT_ADD,
            EditOp::Subtract => ffi::MP_EDIT_SUBTRACT,
            EditOp::Paint => ffi::MP_EDIT_PAINT,
        };
        self
    }

    /// The material written where it builds or paints (the field's own is
    /// 0); a mesh carries it per vertex ([`MeshView::materials`]).
    ///
    /// [`MeshView::materials`]: crate::MeshView::materials
    pub fn with_material(mut self, material: u8) -> Self {
        self.0.material = material;
        self
    }

    /// A box's edge and corner rounding radius (0: sharp), at most half its
    /// smallest side. It is the C field `radius`, which for a sphere or a
    /// capsule is the radius itself: on those, this sets the radius.
    pub fn with_rounding(mut self, radius: f32) -> Self {
        self.0.radius = radius;
        self
    }

    /// Blends with the terrain over this distance (smooth union or
    /// subtraction), 0: sharp. The brush reaches this much farther.
    pub fn with_smooth(mut self, smooth: f32) -> Self {
        self.0.smooth = smooth;
        self
    }

    /// None for a shape value this crate does not know.
    pub fn shape(&self) -> Option<BrushShape> {
        match self.0.shape {
            ffi::MP_BRUSH_SPHERE => Some(BrushShape::Sphere),
            ffi::MP_BRUSH_BOX => Some(BrushShape::Box),
            ffi::MP_BRUSH_CAPSULE => Some(BrushShape::Capsule),
            _ => None,
        }
    }

    /// None for an op value this crate does not know.
    pub fn op(&self) -> Option<EditOp> {
        match self.0.op {
            ffi::MP_EDIT_ADD => Some(EditOp::Add),
            ffi::MP_EDIT_SUBTRACT => Some(EditOp::Subtract),
            ffi::MP_EDIT_PAINT => Some(EditOp::Paint),
            _ => None,
        }
    }

    pub fn material(&self) -> u8 {
        self.0.material
    }

    /// Sphere centre, box min corner, capsule end.
    pub fn a(&self) -> [f32; 3] {
        self.0.a
    }

    /// Box max corner, capsule other end; unused for a sphere.
    pub fn b(&self) -> [f32; 3] {
        self.0.b
    }

    /// Sphere and capsule radius, box rounding.
    pub fn radius(&self) -> f32 {
        self.0.radius
    }

    pub fn smooth(&self) -> f32 {
        self.0.smooth
    }

    /// `mp_brush_problem`: None for a valid brush, else the library's
    /// sentence naming the field and the rule it breaks.
    pub fn problem(&self) -> Option<&'static str> {
        // SAFETY: self.0 is a valid mp_brush, only read; the result is NULL
        // or a static NUL-terminated string (meshpool.h).
        unsafe { static_sentence(ffi::mp_brush_problem(&self.0)) }
    }

    /// Ok for a valid brush, else `Error::Invalid` with its problem.
    pub fn validate(&self) -> Result<(), Error> {
        match self.problem() {
            None => Ok(()),
            problem => Err(Error::Invalid(problem)),
        }
    }
}

impl fmt::Debug for Brush {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Brush");
        match self.shape() {
            Some(shape) => d.field("shape", &shape),
            None => d.field("shape", &self.0.shape),
        };
        match self.op() {
            Some(op) => d.field("op", &op),
            None => d.field("op", &self.0.op),
        };
        d.field("material", &self.0.material)
            .field("a", &self.0.a)
            .field("b", &self.0.b)
            .field("radius", &self.0.radius)
            .field("smooth", &self.0.smooth)
            .field("reserved", &self.0.reserved)
            .finish()
    }
}

/// An inclusive box of chunk coordinates, from [`Edits::chunks`]: the
/// chunks whose mesh a brush can change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ChunkBox {
    pub lo: [i32; 3],
    pub hi: [i32; 3],
}

impl ChunkBox {
    pub fn contains(&self, chunk: [i32; 3]) -> bool {
        (0..3).all(|i| self.lo[i] <= chunk[i] && chunk[i] <= self.hi[i])
    }

    /// How many chunks the box holds.
    pub fn chunk_count(&self) -> u64 {
        (0..3)
            .map(|i| (i64::from(self.hi[i]) - i64::from(self.lo[i]) + 1).max(0) as u64)
            .fold(1u64, u64::saturating_mul)
    }

    /// Every chunk of the box, x slowest, z fastest.
    pub fn iter(&self) -> impl Iterator<Item = [i32; 3]> {
        let ChunkBox { lo, hi } = *self;
        (lo[0]..=hi[0]).flat_map(move |x| {
            (lo[1]..=hi[1]).flat_map(move |y| (lo[2]..=hi[2]).map(move |z| [x, y, z]))
        })
    }

    /// `like` at every chunk of the box: the members of a group
    /// ([`Client::submit_group`](crate::Client::submit_group)) once each
    /// has its own user_data, transitions and edges.
    pub fn requests(&self, like: &Request) -> impl Iterator<Item = Request> {
        let like = *like;
        self.iter().map(move |[x, y, z]| like.with_chunk(x, y, z))
    }
}

/// The ordered brushes of one world, with a spatial index (`mp_edits`):
/// the game owns it, adds to it, saves and loads it, and every edited
/// request carries the brushes of it that touch its chunk.
///
/// Requests copy those brushes when they are submitted, so a set may be
/// changed or dropped while they are still out. It is `Send` and `Sync`:
/// plain memory, written only through `&mut self` ([`add`](Edits::add)),
/// and the calls through `&self` only read it, so any number of threads
/// may mesh from one set at once.
///
/// ```
/// use meshpool::{Brush, EditOp, Edits, Request};
///
/// let mut edits = Edits::new();
/// edits.add(&Brush::sphere([0.0, -4.0, 0.0], 3.0).with_op(EditOp::Subtract))?;
/// assert_eq!(edits.count(), 1);
/// let like = Request::new().with_cells(16);
/// let chunks = Edits::chunks(&Brush::sphere([0.0, -4.0, 0.0], 3.0), &like)?;
/// assert!(chunks.contains([0, -1, 0]) && chunks.contains([-1, -1, -1]));
/// // Dug out: air where the ground was.
/// assert!(edits.sample(&like, [0.0, -4.0, 0.0])? > 0.0);
/// # Ok::<(), meshpool::Error>(())
/// ```
pub struct Edits {
    raw: NonNull<ffi::mp_edits>,
}

// SAFETY: an mp_edits is heap memory owned by this value alone, tied to no
// thread; it may be freed from any thread.
unsafe impl Send for Edits {}
// SAFETY: every call through &self (count, touching, sample, raycast, save,
// submit_edited, mesh_local_edited, submit_group) takes a const mp_edits *
// and only reads the set (client/edits.c keeps no cache in it: a query's
// scratch is its own allocation); the one call that writes it, add, needs
// &mut self. So shared references only ever read concurrently.
unsafe impl Sync for Edits {}

impl Edits {
    /// `mp_edits_new`: an empty set. Panics if memory runs out, as a `Vec`
    /// would.
    pub fn new() -> Edits {
        let mut raw = ptr::null_mut();
        // SAFETY: raw is a valid out-pointer.
        let rc = unsafe { ffi::mp_edits_new(&mut raw) };
        match NonNull::new(raw) {
            Some(raw) if rc == ffi::MP_OK => Edits { raw },
            _ => panic!("mp_edits_new: {}", Error::from_code(rc)),
        }
    }

    pub(crate) fn as_ptr(&self) -> *const ffi::mp_edits {
        self.raw.as_ptr()
    }

    /// `mp_edits_add`: appends `brush`, which applies after every brush
    /// before it. `Error::Invalid` with the brush's problem (nothing is
    /// kept), or `Error::OutOfMemory`.
    pub fn add(&mut self, brush: &Brush) -> Result<(), Error> {
        // SAFETY: live set, &mut self so no one else reads it; the brush
        // is a valid mp_brush, only read (copied).
        match unsafe { ffi::mp_edits_add(self.raw.as_ptr(), &brush.0) } {
            ffi::MP_OK => Ok(()),
            ffi::MP_EINVAL => Err(Error::Invalid(brush.problem())),
            rc => Err(Error::from_code(rc)),
        }
    }

    /// `mp_edits_count`: how many brushes the set holds.
    pub fn count(&self) -> usize {
        // SAFETY: live set, only read.
        unsafe { ffi::mp_edits_count(self.as_ptr()) }
    }

    pub fn is_empty(&self) -> bool {
        self.count() == 0
    }

    /// `mp_edits_chunks`: the chunks, at `like`'s LOD, cells and voxel
    /// size, whose mesh `brush` can change (the samples a chunk reads
    /// beyond its own box included): the ones to mesh again after adding
    /// it, e.g. as one group. `Error::Invalid` with the problem of the
    /// brush or of `like`.
    pub fn chunks(brush: &Brush, like: &Request) -> Result<ChunkBox, Error> {
        let (mut lo, mut hi) = ([0i32; 3], [0i32; 3]);
        // SAFETY: brush and like are valid structs, only read; lo and hi
        // are 3 writable i32s each, as the header's int32_t[3].
        let rc =
            unsafe { ffi::mp_edits_chunks(&brush.0, &like.0, lo.as_mut_ptr(), hi.as_mut_ptr()) };
        match rc {
            ffi::MP_OK => Ok(ChunkBox { lo, hi }),
            ffi::MP_EINVAL => Err(Error::Invalid(brush.problem().or(like.problem()))),
            rc => Err(Error::from_code(rc)),
        }
    }

    /// `mp_edits_touching`: how many brushes of the set touch `request`'s
    /// chunk, what an edited request for it carries (more than
    /// [`MAX_BRUSHES`] cannot be submitted). `Error::Invalid` with the
    /// request's problem, or `Error::OutOfMemory`.
    pub fn touching(&self, request: &Request) -> Result<usize, Error> {
        // SAFETY: live set and a valid mp_request, both only read.
        let n = unsafe { ffi::mp_edits_touching(self.as_ptr(), &request.0) };
        usize::try_from(n).map_err(|_| match request.problem() {
            Some(problem) => Error::Invalid(Some(problem)),
            None => Error::OutOfMemory,
        })
    }

    /// `mp_edits_sample`: the edited density at a world point of the field
    /// that `field` (a request: only its field is read) describes;
    /// negative is solid. `Error::Invalid` with the field's problem.
    pub fn sample(&self, field: &Request, point: [f32; 3]) -> Result<f32, Error> {
        let [x, y, z] = point;
        // SAFETY: live set and a valid mp_field, only read; allocates
        // nothing.
        let d = unsafe { ffi::mp_edits_sample(self.as_ptr(), field.field(), x, y, z) };
        if d.is_nan() {
            return Err(field_invalid(field));
        }
        Ok(d)
    }

    /// `mp_edits_raycast`: where the ray from `from` along `dir` (need not
    /// be unit length) first enters solid ground within `max_dist` world
    /// units, or None. `Error::Invalid` for an invalid field, a zero or
    /// non-finite `dir`, or a negative `max_dist`.
    pub fn raycast(
        &self,
        field: &Request,
        from: [f32; 3],
        dir: [f32; 3],
        max_dist: f32,
    ) -> Result<Option<[f32; 3]>, Error> {
        let mut hit = [0.0f32; 3];
        // SAFETY: live set and a valid mp_field, only read; from and dir
        // are 3 floats each, read; hit is 3 writable floats.
        let rc = unsafe {
            ffi::mp_edits_raycast(
                self.as_ptr(),
                field.field(),
                from.as_ptr(),
                dir.as_ptr(),
                max_dist,
                hit.as_mut_ptr(),
            )
        };
        match rc {
            ffi::MP_OK => Ok(Some(hit)),
            ffi::MP_ENOENT => Ok(None),
            ffi::MP_EINVAL => match field_invalid(field) {
                Error::Invalid(None) => Err(Error::Invalid(Some(
                    "a ray needs a non-zero, finite dir and max_dist >= 0",
                ))),
                e => Err(e),
            },
            rc => Err(Error::from_code(rc)),
        }
    }

    /// `mp_edits_save`: writes the set to `path` atomically (a crash
    /// leaves the old file or the new one), versioned and checksummed.
    /// `Error::Io` with the `errno` (if only the final sync of the folder
    /// failed, the new file is in place already), `Error::OutOfMemory`.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<(), Error> {
        let path = c_path(path.as_ref())?;
        // SAFETY: live set, only read; path is NUL-terminated and outlives
        // the call.
        let rc = unsafe { ffi::mp_edits_save(self.as_ptr(), path.as_ptr()) };
        match rc {
            ffi::MP_OK => Ok(()),
            ffi::MP_EIO => Err(Error::Io(last_errno())),
            ffi::MP_EINVAL => Err(Error::Invalid(Some(
                "the path is too long for the temporary file beside it, or the set holds \
                 more brushes than a file does (2^24)",
            ))),
            rc => Err(Error::from_code(rc)),
        }
    }

    /// `mp_edits_load`: reads a set saved by [`save`](Edits::save).
    /// `Error::BadEditFile` (damaged, truncated or not an edit set: nothing
    /// is loaded), `Error::Io` with the `errno` (a missing file is
    /// `Some(ENOENT)`: `e.raw_os_error() == Some(2)`),
    /// `Error::OutOfMemory`.
    pub fn load(path: impl AsRef<Path>) -> Result<Edits, Error> {
        let path = c_path(path.as_ref())?;
        let mut raw = ptr::null_mut();
        // SAFETY: path is NUL-terminated and outlives the call; raw is a
        // valid out-pointer, set to a new set only on MP_OK.
        let rc = unsafe { ffi::mp_edits_load(path.as_ptr(), &mut raw) };
        match rc {
            ffi::MP_OK => NonNull::new(raw)
                .map(|raw| Edits { raw })
                .ok_or(Error::OutOfMemory),
            ffi::MP_EIO => Err(Error::Io(last_errno())),
            ffi::MP_EPROTO => Err(Error::BadEditFile),
            rc => Err(Error::from_code(rc)),
        }
    }
}

impl Default for Edits {
    fn default() -> Self {
        Edits::new()
    }
}

impl Drop for Edits {
    fn drop(&mut self) {
        // SAFETY: the set came from mp_edits_new or mp_edits_load and is
        // freed once; requests copied the brushes they needed at submit.
        unsafe { ffi::mp_edits_free(self.raw.as_ptr()) }
    }
}

impl fmt::Debug for Edits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Edits")
            .field("count", &self.count())
            .finish()
    }
}

/// The errno a failed file call left, read before anything else can
/// change it; None for 0.
fn last_errno() -> Option<i32> {
    std::io::Error::last_os_error()
        .raw_os_error()
        .filter(|&e| e != 0)
}

fn c_path(path: &Path) -> Result<CString, Error> {
    CString::new(path.as_os_str().as_bytes())
        .map_err(|_| Error::Invalid(Some("the path holds a NUL byte")))
}

/// `Error::Invalid` with the problem of `field`'s field alone (a default
/// request with that field: its other fields are in range).
fn field_invalid(field: &Request) -> Error {
    let mut only_field = Request::new();
    only_field.0.field = field.0.field;
    Error::Invalid(only_field.problem())
}

/// `Error::Invalid` for an MP_EINVAL from an edited request: the request's
/// own problem, else too many brushes touch it.
pub(crate) fn edited_invalid(request: &Request, edits: Option<&Edits>) -> Error {
    if let Some(problem) = request.problem() {
        return Error::Invalid(Some(problem));
    }
    match edits.map(|e| e.touching(request)) {
        Some(Ok(n)) if n > MAX_BRUSHES => Error::Invalid(Some(TOO_MANY_BRUSHES)),
        _ => Error::Invalid(None),
    }
}

/// `Error::Invalid` for an MP_EINVAL from a group: the first member's
/// problem, else the group can never fit.
pub(crate) fn group_invalid(requests: &[Request], edits: Option<&Edits>) -> Error {
    requests
        .iter()
        .map(|r| edited_invalid(r, edits))
        .find(|e| *e != Error::Invalid(None))
        .unwrap_or(Error::Invalid(Some(GROUP_NEVER_FITS)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brushes_are_the_c_structs() {
        let b = Brush::capsule([1.0, 2.0, 3.0], [4.0, 5.0, 6.0], 0.5)
            .with_op(EditOp::Paint)
            .with_material(7)
            .with_smooth(1.5);
        let want = ffi::mp_brush {
            shape: ffi::MP_BRUSH_CAPSULE,
            op: ffi::MP_EDIT_PAINT,
            material: 7,
            reserved: 0,
            a: [1.0, 2.0, 3.0],
            b: [4.0, 5.0, 6.0],
            radius: 0.5,
            smooth: 1.5,
        };
        assert_eq!(b.0, want);
        assert_eq!(b.shape(), Some(BrushShape::Capsule));
        assert_eq!(b.op(), Some(EditOp::Paint));
        assert_eq!((b.material(), b.radius(), b.smooth()), (7, 0.5, 1.5));
        assert_eq!((b.a(), b.b()), ([1.0, 2.0, 3.0], [4.0, 5.0, 6.0]));

        let s = Brush::sphere([1.0, 2.0, 3.0], 2.0);
        assert_eq!(
            (s.0.shape, s.0.op, s.0.b),
            (ffi::MP_BRUSH_SPHERE, ffi::MP_EDIT_ADD, [0.0; 3])
        );
        let c = Brush::cuboid([0.0; 3], [1.0; 3]).with_rounding(0.25);
        assert_eq!((c.0.shape, c.0.radius), (ffi::MP_BRUSH_BOX, 0.25));
        assert_eq!(c.shape(), Some(BrushShape::Box));
        for (op, raw) in [
            (EditOp::Add, ffi::MP_EDIT_ADD),
            (EditOp::Subtract, ffi::MP_EDIT_SUBTRACT),
            (EditOp::Paint, ffi::MP_EDIT_PAINT),
        ] {
            assert_eq!(s.with_op(op).0.op, raw);
            assert_eq!(s.with_op(op).op(), Some(op));
        }
    }

    #[test]
    fn a_bad_brush_has_its_sentence() {
        let ok = Brush::sphere([0.0; 3], 1.0);
        assert_eq!((ok.problem(), ok.validate()), (None, Ok(())));
        let mut shape = ok;
        shape.0.shape = 9;
        let mut reserved = ok;
        reserved.0.reserved = 1;
        let bad = [
            (Brush::sphere([0.0; 3], 0.0), "radius > 0"),
            (Brush::sphere([f32::NAN, 0.0, 0.0], 1.0), "finite"),
            (Brush::cuboid([0.0; 3], [1.0, 0.0, 1.0]), "a[i] < b[i]"),
            (
                Brush::cuboid([0.0; 3], [1.0; 3]).with_rounding(0.75),
                "rounding",
            ),
            (
                Brush::capsule([0.0; 3], [1.0; 3], 1.0).with_smooth(-1.0),
                "smooth",
            ),
            (shape, "shape"),
            (reserved, "reserved must be 0"),
        ];
        let mut edits = Edits::new();
        for (b, words) in bad {
            let problem = b.problem().unwrap_or_else(|| panic!("{b:?} is valid"));
            assert!(problem.contains(words), "{b:?}: {problem}");
            assert_eq!(b.validate(), Err(Error::Invalid(Some(problem))));
            // Refused by the set with the same sentence, nothing kept.
            let e = edits.add(&b).expect_err("refused");
            assert_eq!(e, Error::Invalid(Some(problem)));
            assert!(e.to_string().ends_with(problem), "{e}");
        }
        assert_eq!(edits.count(), 0);
        assert_eq!(edits.add(&ok), Ok(()));
        assert_eq!(edits.count(), 1);
    }

    #[test]
    fn chunks_of_a_brush() {
        let like = Request::new(); // 32 cells of 1: chunks 32 wide
        let b = Brush::sphere([16.0, 16.0, 16.0], 4.0);
        let box_ = Edits::chunks(&b, &like).unwrap();
        // Well inside chunk (0, 0, 0), but its neighbours read a sample
        // beyond their own box: still only those that can see it.
        assert!(box_.contains([0, 0, 0]));
        assert!(box_.chunk_count() >= 1 && box_.chunk_count() <= 27);
        assert_eq!(box_.iter().count() as u64, box_.chunk_count());
        assert!(box_.iter().all(|c| box_.contains(c)));
        // Across the chunk corner at the origin: all eight around it.
        let corner = Edits::chunks(&Brush::sphere([0.0; 3], 4.0), &like).unwrap();
        for c in [[0, 0, 0], [-1, -1, -1], [-1, 0, 0], [0, -1, 0]] {
            assert!(corner.contains(c), "{corner:?}");
        }
        let reqs: Vec<Request> = corner.requests(&like.with_lod(0)).collect();
        assert_eq!(reqs.len() as u64, corner.chunk_count());
        assert_eq!(reqs[0].chunk(), corner.lo);
        assert_eq!(reqs.last().unwrap().chunk(), corner.hi);
        // Invalid brush or template: the sentence of whichever is wrong.
        let bad = Brush::sphere([0.0; 3], -1.0);
        assert_eq!(
            Edits::chunks(&bad, &like),
            Err(Error::Invalid(bad.problem()))
        );
        let bad_like = like.with_cells(3);
        assert_eq!(
            Edits::chunks(&b, &bad_like),
            Err(Error::Invalid(bad_like.problem()))
        );
    }

    #[test]
    fn sample_raycast_and_touching() {
        let field = Request::new();
        let mut edits = Edits::new();
        let plain = edits.sample(&field, [0.0, 50.0, 0.0]).unwrap();
        assert!(plain > 0.0, "air above the terrain");
        assert!(edits.sample(&field, [0.0, -50.0, 0.0]).unwrap() < 0.0);

        // Straight down onto the ground, then dig there: the ray goes
        // deeper.
        let down = [0.0, -1.0, 0.0];
        let hit = edits
            .raycast(&field, [0.0, 40.0, 0.0], down, 100.0)
            .unwrap();
        let hit = hit.expect("the ground below");
        assert!(hit[1] > -11.0 && hit[1] < 11.0, "{hit:?}");
        assert_eq!(
            edits.raycast(&field, [0.0, 40.0, 0.0], [0.0, 1.0, 0.0], 100.0),
            Ok(None)
        );
        edits
            .add(&Brush::sphere(hit, 5.0).with_op(EditOp::Subtract))
            .unwrap();
        assert!(edits.sample(&field, hit).unwrap() > 0.0, "dug out");
        let deeper = edits
            .raycast(&field, [0.0, 40.0, 0.0], down, 100.0)
            .unwrap()
            .unwrap();
        assert!(deeper[1] < hit[1] - 3.0, "{deeper:?} below {hit:?}");

        // The chunk under the hit carries the brush; one far away none.
        let c = |p: f32| (p / 32.0).floor() as i32;
        let under = field.with_chunk(c(hit[0]), c(hit[1]), c(hit[2]));
        assert_eq!(edits.touching(&under), Ok(1));
        assert_eq!(edits.touching(&field.with_chunk(40, 0, 40)), Ok(0));

        // Errors carry sentences.
        let bad_field = Request::new().with_octaves(0);
        let e = edits.sample(&bad_field, [0.0; 3]).unwrap_err();
        assert!(e.problem().unwrap().contains("octaves"), "{e}");
        let e = edits.raycast(&field, [0.0; 3], [0.0; 3], 1.0).unwrap_err();
        assert!(e.problem().unwrap().contains("dir"), "{e}");
        let e = edits.raycast(&bad_field, [0.0; 3], down, 1.0).unwrap_err();
        assert!(e.problem().unwrap().contains("octaves"), "{e}");
        let bad = Request::new().with_priority(9);
        assert_eq!(edits.touching(&bad), Err(Error::Invalid(bad.problem())));
    }

    #[test]
    fn invalid_edited_requests_say_why() {
        let mut edits = Edits::new();
        let bad = Request::new().with_transitions(crate::Transitions::PX);
        assert_eq!(
            edited_invalid(&bad, Some(&edits)),
            Error::Invalid(bad.problem())
        );
        // MAX_BRUSHES + 1 small brushes over one chunk.
        for i in 0..=MAX_BRUSHES {
            let x = (i % 64) as f32 * 0.5;
            let z = (i / 64) as f32 * 0.25;
            edits.add(&Brush::sphere([x, -8.0, z], 0.5)).unwrap();
        }
        let req = Request::new().with_chunk(0, -1, 0);
        assert!(edits.touching(&req).unwrap() > MAX_BRUSHES);
        let e = edited_invalid(&req, Some(&edits));
        assert_eq!(e, Error::Invalid(Some(TOO_MANY_BRUSHES)));
        assert!(TOO_MANY_BRUSHES.contains(&MAX_BRUSHES.to_string()));
        assert_eq!(
            crate::mesh_local_edited(&req, &edits).err(),
            Some(Error::Invalid(Some(TOO_MANY_BRUSHES)))
        );
        // A group: the first invalid member's sentence, else "never fits".
        let group = [req.with_chunk(30, -1, 30), bad];
        assert_eq!(
            group_invalid(&group, Some(&edits)),
            Error::Invalid(bad.problem())
        );
        assert_eq!(
            group_invalid(&[req.with_chunk(30, -1, 30)], None),
            Error::Invalid(Some(GROUP_NEVER_FITS))
        );
    }

    #[test]
    fn save_and_load() {
        let dir = std::env::temp_dir().join(format!("meshpool-unit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("world.edits");
        let mut edits = Edits::new();
        let brushes = [
            Brush::sphere([1.0, -2.0, 3.0], 4.0).with_op(EditOp::Subtract),
            Brush::cuboid([0.0; 3], [2.0, 3.0, 4.0])
                .with_material(5)
                .with_rounding(0.5),
            Brush::capsule([0.0; 3], [9.0, 1.0, 0.0], 1.5)
                .with_op(EditOp::Paint)
                .with_smooth(2.0),
        ];
        for b in &brushes {
            edits.add(b).unwrap();
        }
        edits.save(&path).unwrap();
        let back = Edits::load(&path).unwrap();
        assert_eq!(back.count(), brushes.len());
        let field = Request::new();
        for p in [
            [1.0, -2.0, 3.0],
            [1.0, 1.0, 1.0],
            [4.5, 0.5, 0.0],
            [20.0, -5.0, 3.0],
        ] {
            let (a, b) = (
                edits.sample(&field, p).unwrap(),
                back.sample(&field, p).unwrap(),
            );
            assert_eq!(a.to_bits(), b.to_bits(), "{p:?}");
        }

        // Not an edit set, a truncated one: BadEditFile; none: Io(ENOENT).
        let junk = dir.join("junk");
        std::fs::write(&junk, b"this is not an edit set, not at all").unwrap();
        assert_eq!(Edits::load(&junk).err(), Some(Error::BadEditFile));
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&junk, &bytes[..bytes.len() - 1]).unwrap();
        assert_eq!(Edits::load(&junk).err(), Some(Error::BadEditFile));
        let mut flipped = bytes.clone();
        flipped[30] ^= 1;
        std::fs::write(&junk, &flipped).unwrap();
        assert_eq!(Edits::load(&junk).err(), Some(Error::BadEditFile));
        let e = Edits::load(dir.join("none")).unwrap_err();
        assert_eq!(e, Error::Io(Some(2)), "{e}");
        let e = edits.save(dir.join("no-such-folder/x")).unwrap_err();
        assert_eq!(e, Error::Io(Some(2)), "{e}");
        assert!(matches!(Edits::load("a\0b"), Err(Error::Invalid(Some(_)))));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn edits_are_send_and_sync() {
        fn both<T: Send + Sync>() {}
        both::<Edits>();
        both::<Brush>();
    }
}
