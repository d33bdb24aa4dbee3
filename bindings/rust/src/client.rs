use std::ffi::{CStr, CString};
use std::fmt;
use std::os::raw::c_int;
use std::ptr::{self, NonNull};
use std::time::Duration;

use crate::edits::{edited_invalid, group_invalid, Edits};
use crate::error::{ConnectError, Error};
use crate::ffi;
use crate::local::OwnedMesh;
use crate::mesh_slices;
use crate::request::Request;

/// A connection to a meshpoold instance (`mp_client`).
///
/// Every method takes `&self`: a frame polls results, reads their meshes
/// and submits more while those results are still alive, and each result
/// borrows the client to release itself on drop. What keeps that sound is
/// that a `Client` is **`Send` but not `Sync`**:
///
/// - not `Sync`, because the C library says a handle is used by one thread
///   at a time: its rings, ticket table and free lists are plain memory
///   with no lock. Without `Sync` no two threads can ever hold a `&Client`,
///   so the C calls made through one are never concurrent, and since no C
///   call here calls back into Rust, never reentrant either;
/// - `Send`, because nothing in the handle is tied to the thread that made
///   it (no thread-local state, no thread id): it may move to another
///   thread, whole, with nothing borrowing it.
///
/// Dropping the client calls `mp_disconnect`: the daemon frees every slab
/// and queued request of this client, and the shared memory is unmapped.
/// The borrows of [`MeshResult`] and [`MeshView`] make sure nothing still
/// points into it by then.
///
/// ```
/// fn is_send<T: Send>() {}
/// is_send::<meshpool::Client>();
/// ```
/// ```compile_fail,E0277
/// fn is_sync<T: Sync>() {}
/// is_sync::<meshpool::Client>();
/// ```
pub struct Client {
    raw: NonNull<ffi::mp_client>,
}

// SAFETY: see the type's documentation: the C handle may be used from any
// thread as long as only one uses it at a time, which `!Sync` (inherited
// from NonNull, never implemented here) and ownership guarantee.
unsafe impl Send for Client {}

/// `poll` takes up to this many results into a buffer on the stack; more
/// (a frame that asks for more, with more in flight) into one on the heap.
const POLL_STACK: usize = 32;

impl Client {
    /// `mp_connect`: registers with the daemon instance `instance` (None
    /// means "default"; a name starting with '/' is a socket path).
    /// Blocks until the daemon answers, at most 5 s (`Error::TimedOut`).
    ///
    /// The error carries `mp_connect_problem`'s sentence, naming the
    /// sockets tried and what each said; its [`error`](ConnectError::error)
    /// is `Error::NotFound` when no such daemon is running.
    pub fn connect(instance: Option<&str>) -> Result<Client, ConnectError> {
        let name = match instance {
            Some(name) => Some(CString::new(name).map_err(|_| {
                ConnectError::new(
                    Error::Invalid(None),
                    Some("the instance name holds a NUL byte".to_owned()),
                )
            })?),
            None => None,
        };
        let mut raw = ptr::null_mut();
        // SAFETY: the name is NUL-terminated and outlives the call (or is
        // NULL, which means "default"); raw is a valid out-pointer.
        let rc =
            unsafe { ffi::mp_connect(name.as_ref().map_or(ptr::null(), |n| n.as_ptr()), &mut raw) };
        if rc != ffi::MP_OK {
            // SAFETY: same thread, right after its mp_connect: NULL, or this
            // thread's NUL-terminated buffer, copied before any other call.
            let problem = unsafe {
                let why = ffi::mp_connect_problem();
                (!why.is_null()).then(|| CStr::from_ptr(why).to_string_lossy().into_owned())
            };
            return Err(ConnectError::new(Error::from_code(rc), problem));
        }
        // mp_connect returned MP_OK, so it stored a live handle.
        let raw = NonNull::new(raw).ok_or(ConnectError::new(Error::Protocol, None))?;
        Ok(Client { raw })
    }

    fn ptr(&self) -> *mut ffi::mp_client {
        self.raw.as_ptr()
    }

    /// `mp_submit`: queues one request in its lane. Never blocks.
    /// `Error::Again` when the lane or the in-flight limit is full (poll,
    /// then submit again): the bounded channel's "full", without waiting.
    /// `Error::Invalid` carries the request's problem.
    pub fn submit(&self, request: &Request) -> Result<(), Error> {
        // SAFETY: the handle is live (we own it) and used by this thread
        // only (!Sync); the request is a valid mp_request, only read.
        match unsafe { ffi::mp_submit(self.ptr(), &request.0) } {
            ffi::MP_OK => Ok(()),
            ffi::MP_EINVAL => Err(request.invalid()),
            rc => Err(Error::from_code(rc)),
        }
    }

    /// `mp_submit_edited`: as [`submit`](Client::submit), meshing the chunk
    /// with the brushes of `edits` that touch it. They are copied into this
    /// client's shared memory now, so `edits` may change or go right after;
    /// the mesh is bit for bit [`mesh_local_edited`](crate::mesh_local_edited)'s.
    /// Also `Error::Again` when that memory is full of brushes still out,
    /// and `Error::Invalid` when more than [`MAX_BRUSHES`](crate::MAX_BRUSHES)
    /// touch the chunk (with a sentence saying so).
    pub fn submit_edited(&self, request: &Request, edits: &Edits) -> Result<(), Error> {
        // SAFETY: live handle, this thread only; the request and the set
        // are valid and only read (the brushes are copied).
        match unsafe { ffi::mp_submit_edited(self.ptr(), &request.0, edits.as_ptr()) } {
            ffi::MP_OK => Ok(()),
            ffi::MP_EINVAL => Err(edited_invalid(request, Some(edits))),
            rc => Err(Error::from_code(rc)),
        }
    }

    /// `mp_submit_group`: queues all of `requests` or none, each with the
    /// brushes of `edits` (None: no brushes) that touch it. Their results
    /// come out of one [`poll`](Client::poll), together, once all are done
    /// (a poll whose `max` has room for all of them), so a frame swaps every
    /// chunk of one edit at once.
    ///
    /// `Error::Again`: not now (poll, then retry). `Error::Invalid`: a member
    /// is invalid (its sentence), or the group could never fit (more
    /// members than can be in flight or than a lane holds, more brushes than
    /// this client's memory holds), which waiting does not change. An empty
    /// group is Ok and yields nothing.
    pub fn submit_group(&self, requests: &[Request], edits: Option<&Edits>) -> Result<(), Error> {
        let e = edits.map_or(ptr::null(), Edits::as_ptr);
        // SAFETY: live handle, this thread only; Request is
        // repr(transparent) over mp_request, so the slice is requests.len()
        // valid mp_requests in a row, only read; the set is NULL or live,
        // only read (brushes are copied).
        match unsafe {
            ffi::mp_submit_group(self.ptr(), requests.as_ptr().cast(), requests.len(), e)
        } {
            ffi::MP_OK => Ok(()),
            ffi::MP_EINVAL => Err(group_invalid(requests, edits)),
            rc => Err(Error::from_code(rc)),
        }
    }

    /// `mp_submit_batch`: queues `requests` in order up to the first one not
    /// taken (full, or invalid) and returns how many were taken; the rest
    /// are still the caller's, `&requests[taken..]`.
    pub fn submit_batch(&self, requests: &[Request]) -> usize {
        // SAFETY: Request is repr(transparent) over mp_request, so the
        // slice is requests.len() valid mp_requests in a row, only read.
        let n =
            unsafe { ffi::mp_submit_batch(self.ptr(), requests.as_ptr().cast(), requests.len()) };
        // Negative only for a NULL handle or array, which cannot happen.
        usize::try_from(n).unwrap_or(0)
    }

    /// `mp_poll`: appends up to `max` finished results to `out` and returns
    /// how many (0 if none is ready; `max` 0 asks nothing and says Ok(0)).
    /// Never blocks.
    ///
    /// Each result holds its mesh until it is dropped. `Error::Disconnected`
    /// comes only once the daemon is gone *and* every result it finished
    /// has been returned: what is still pending then is [`unfinished`].
    ///
    /// The results of a [group](Client::submit_group) come out together,
    /// all in one call, and only from a call whose `max` has room for the
    /// whole group: ask for at least the size of the largest group out.
    ///
    /// [`unfinished`]: Client::unfinished
    pub fn poll<'c>(&'c self, out: &mut Vec<MeshResult<'c>>, max: usize) -> Result<usize, Error> {
        if max == 0 {
            return Ok(0);
        }
        // One C call, with room for all that may be asked: no more than is
        // in flight can be ready, and a group comes out only of a call with
        // room for all of it, so splitting the call could keep it in.
        let want = max.min(self.pending()).max(1);
        let mut stack = [ffi::mp_result::default(); POLL_STACK];
        let mut heap = Vec::new();
        let buf = if want <= POLL_STACK {
            &mut stack[..want]
        } else {
            heap.resize(want, ffi::mp_result::default());
            &mut heap[..]
        };
        // SAFETY: live handle, this thread only; buf holds want writable
        // mp_results.
        let n = unsafe { ffi::mp_poll(self.ptr(), buf.as_mut_ptr(), want) };
        let n = usize::try_from(n)
            .map_err(|_| Error::from_code(n))?
            .min(want);
        out.extend(buf[..n].iter().map(|&raw| MeshResult { raw, client: self }));
        Ok(n)
    }

    /// `mp_wait`: sleeps until a result is ready (Ok), `timeout` passes
    /// (`Error::TimedOut`; None waits for ever) or the daemon goes
    /// (`Error::Disconnected`).
    pub fn wait(&self, timeout: Option<Duration>) -> Result<(), Error> {
        // SAFETY: live handle, this thread only.
        Error::check(unsafe { ffi::mp_wait(self.ptr(), timeout_ms(timeout)) })
    }

    /// `mp_drain`: sleeps until every submitted request has a result ready
    /// to poll; otherwise as [`wait`](Client::wait).
    pub fn drain(&self, timeout: Option<Duration>) -> Result<(), Error> {
        // SAFETY: live handle, this thread only.
        Error::check(unsafe { ffi::mp_drain(self.ptr(), timeout_ms(timeout)) })
    }

    /// `mp_cancel`: cancels the oldest request in flight with this
    /// user_data; its result comes back with status `Error::Canceled` and no
    /// mesh. `Error::NotFound` if none is in flight (or all are cancelled).
    pub fn cancel(&self, user_data: u64) -> Result<(), Error> {
        // SAFETY: live handle, this thread only.
        Error::check(unsafe { ffi::mp_cancel(self.ptr(), user_data) })
    }

    /// `mp_pending`: requests submitted and not yet polled.
    pub fn pending(&self) -> usize {
        // SAFETY: live handle, only read.
        unsafe { ffi::mp_pending(self.ptr()) }
    }

    /// `mp_unfinished`: the requests submitted here whose results have not
    /// been polled, oldest first. After `poll` said `Error::Disconnected`
    /// these are exactly the requests the daemon never completed: connect
    /// again and submit them again, and every request still has exactly one
    /// result.
    pub fn unfinished(&self) -> Vec<Request> {
        let max = self.pending();
        // Zeroed, not just reserved: C may copy the struct without its tail
        // padding, which is a field (`reserved`) on the Rust side.
        let mut out = vec![Request(ffi::mp_request::ZEROED); max];
        // SAFETY: live handle, only read; out holds max writable
        // mp_requests (Request is repr(transparent)).
        let n = unsafe { ffi::mp_unfinished(self.ptr(), out.as_mut_ptr().cast(), max) };
        out.truncate(usize::try_from(n).unwrap_or(0));
        out
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        // SAFETY: the handle came from mp_connect and is disconnected once;
        // every MeshResult (which borrows self) is gone, so nothing points
        // into the mappings this unmaps.
        unsafe { ffi::mp_disconnect(self.ptr()) }
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("pending", &self.pending())
            .finish()
    }
}

/// Milliseconds for the C API: None is -1 (for ever), a fraction of a
/// millisecond counts as a whole one (a short wait is not a poll), and a
/// timeout past i32::MAX ms (24 days) is clamped.
fn timeout_ms(timeout: Option<Duration>) -> c_int {
    match timeout {
        None => -1,
        Some(d) => {
            let ms = d.as_nanos().div_ceil(1_000_000);
            c_int::try_from(ms).unwrap_or(c_int::MAX)
        }
    }
}

/// One finished request (`mp_result`): a mesh, or an error in its status.
///
/// It holds the mesh's slab in the daemon's arena until it is dropped,
/// which calls `mp_release`. It borrows the [`Client`] it came from, so the
/// client cannot disconnect (unmapping the arena) while it lives, and it is
/// not `Clone`, so the slab is released exactly once. Keep results for the
/// frame that uploads them: a client's arena share is bounded, and held
/// results keep new meshes from being stored.
pub struct MeshResult<'c> {
    raw: ffi::mp_result,
    client: &'c Client,
}

impl<'c> MeshResult<'c> {
    /// The request's user_data, untouched.
    pub fn user_data(&self) -> u64 {
        self.raw.user_data
    }

    /// Ok for a mesh (possibly empty), else why there is none:
    /// `Canceled`, `Invalid`, `OutOfMemory`, `TimedOut`, `WorkerCrashed`,
    /// `Shutdown`.
    pub fn status(&self) -> Result<(), Error> {
        Error::check(self.raw.status)
    }

    pub fn vertex_count(&self) -> u32 {
        self.raw.vertex_count
    }

    pub fn index_count(&self) -> u32 {
        self.raw.index_count
    }

    /// The bounding box of the vertices, min and max (zero when empty).
    pub fn aabb(&self) -> ([f32; 3], [f32; 3]) {
        (self.raw.aabb_min, self.raw.aabb_max)
    }

    /// Time the request waited in its lane before a worker took it.
    pub fn queue_time(&self) -> Duration {
        Duration::from_nanos(self.raw.queue_ns)
    }

    /// The worker's time on the request.
    pub fn compute_time(&self) -> Duration {
        Duration::from_nanos(self.raw.compute_ns)
    }

    /// `mp_mesh`: the mesh, read in place in the daemon's arena (zero
    /// copy). The view borrows this result, so it cannot outlive the
    /// `mp_release` that dropping the result does:
    ///
    /// ```compile_fail,E0597
    /// fn positions<'c>(result: meshpool::MeshResult<'c>) -> &'c [f32] {
    ///     let mesh = result.mesh().unwrap();
    ///     mesh.positions() // borrows `result`, which is dropped here
    /// }
    /// ```
    ///
    /// An error result gives its status as the error.
    pub fn mesh(&self) -> Result<MeshView<'_>, Error> {
        self.status()?;
        let mut v = ffi::mp_mesh_view::EMPTY;
        // SAFETY: live handle (borrowed for 'c), this thread only (a
        // MeshResult is !Send because &Client is); raw is the result as
        // mp_poll gave it; v is a writable mp_mesh_view.
        Error::check(unsafe { ffi::mp_mesh(self.client.ptr(), &self.raw, &mut v) })?;
        // SAFETY: mp_mesh said MP_OK, so each pointer covers its count of
        // elements in the read-only arena mapping, which stays mapped while
        // the client lives; the slab is not reused before mp_release, which
        // only our drop calls, and the view borrows self. The daemon is
        // trusted not to write a slab it has handed out (the arena is
        // read-only to this process, so at least nothing here can).
        let (positions, normals, indices, materials) = unsafe {
            mesh_slices(
                v.positions,
                v.normals,
                v.indices,
                v.materials,
                v.vertex_count,
                v.index_count,
            )
        }?;
        Ok(MeshView {
            positions,
            normals,
            indices,
            materials,
            aabb: self.aabb(),
        })
    }
}

impl Drop for MeshResult<'_> {
    fn drop(&mut self) {
        // SAFETY: live handle (borrowed), this thread only; raw is this
        // result as polled, released once (MeshResult is not Clone), and no
        // MeshView of it is alive (they borrow self). A result without a
        // slab (error, cancelled, empty) is ignored by mp_release.
        unsafe { ffi::mp_release(self.client.ptr(), &self.raw) }
    }
}

impl fmt::Debug for MeshResult<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MeshResult")
            .field("user_data", &self.raw.user_data)
            .field("status", &self.status())
            .field("vertex_count", &self.raw.vertex_count)
            .field("index_count", &self.raw.index_count)
            .finish_non_exhaustive()
    }
}

/// A mesh read in place in the daemon's arena (`mp_mesh_view`): slices
/// straight into shared memory, valid while the [`MeshResult`] it came from
/// lives. Copy it out with [`to_owned_mesh`](MeshView::to_owned_mesh) to
/// keep it longer.
#[derive(Clone, Copy)]
pub struct MeshView<'r> {
    positions: &'r [f32],
    normals: &'r [f32],
    indices: &'r [u32],
    materials: &'r [u8],
    aabb: ([f32; 3], [f32; 3]),
}

impl<'r> MeshView<'r> {
    /// x, y, z per vertex, world space.
    pub fn positions(&self) -> &'r [f32] {
        self.positions
    }

    /// x, y, z per vertex: unit length, pointing into the air.
    pub fn normals(&self) -> &'r [f32] {
        self.normals
    }

    /// Three per triangle, counter-clockwise seen from the air.
    pub fn indices(&self) -> &'r [u32] {
        self.indices
    }

    /// One per vertex: the material of the solid side of its edge (0, the
    /// field's own, or that of the last brush that built or painted there).
    pub fn materials(&self) -> &'r [u8] {
        self.materials
    }

    pub fn vertex_count(&self) -> usize {
        self.positions.len() / 3
    }

    pub fn triangle_count(&self) -> usize {
        self.indices.len() / 3
    }

    pub fn is_empty(&self) -> bool {
        self.indices.is_empty()
    }

    /// The bounding box of the vertices, min and max (zero when empty).
    pub fn aabb(&self) -> ([f32; 3], [f32; 3]) {
        self.aabb
    }

    /// A copy in owned memory, to keep past the result's release.
    pub fn to_owned_mesh(&self) -> OwnedMesh {
        OwnedMesh {
            positions: self.positions.to_vec(),
            normals: self.normals.to_vec(),
            indices: self.indices.to_vec(),
            materials: self.materials.to_vec(),
            aabb_min: self.aabb.0,
            aabb_max: self.aabb.1,
        }
    }
}

impl fmt::Debug for MeshView<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MeshView")
            .field("vertices", &self.vertex_count())
            .field("triangles", &self.triangle_count())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_in_milliseconds() {
        assert_eq!(timeout_ms(None), -1);
        assert_eq!(timeout_ms(Some(Duration::ZERO)), 0);
        assert_eq!(timeout_ms(Some(Duration::from_micros(1))), 1);
        assert_eq!(timeout_ms(Some(Duration::from_millis(250))), 250);
        assert_eq!(timeout_ms(Some(Duration::from_micros(250_001))), 251);
        assert_eq!(timeout_ms(Some(Duration::from_secs(u64::MAX))), c_int::MAX);
    }

    #[test]
    fn connect_rejects_names_before_dialling() {
        // A NUL cannot be passed to C; the library refuses bad names itself.
        let error = |name| Client::connect(Some(name)).expect_err("refused");
        let e = error("a\0b");
        assert_eq!(e.error(), Error::Invalid(None));
        assert!(e.problem().unwrap().contains("NUL"), "{e}");
        for name in ["bad name!", ""] {
            let e = error(name);
            assert_eq!(e.error(), Error::Invalid(None), "{name:?}");
            // The library's sentence names the name and the rule.
            let why = e.problem().expect("mp_connect_problem");
            assert!(why.contains("bad instance name"), "{why}");
            assert!(e.to_string().ends_with(why), "{e}");
        }
    }

    #[test]
    fn connect_to_no_daemon_is_not_found_and_says_where_it_looked() {
        let name = format!("rust-unit-nobody-{}", std::process::id());
        let e = Client::connect(Some(&name)).expect_err("no such daemon");
        assert_eq!(e.error(), Error::NotFound);
        let why = e.problem().expect("mp_connect_problem");
        assert!(why.contains(&name), "names the instance: {why}");
        assert!(why.contains('/'), "names the sockets tried: {why}");
        assert_eq!(Error::from(e), Error::NotFound);
    }
}
