//! The crate against a real daemon: a private meshpoold per test, started
//! from the binary named by the environment variable MESHPOOLD, e.g.
//!
//!     MESHPOOL_LIB_DIR=$PWD/.libs MESHPOOLD=$PWD/meshpoold \
//!         cargo test --offline --manifest-path bindings/rust/Cargo.toml
//!
//! Without MESHPOOLD these tests say so and pass without running; with it,
//! a daemon that does not start is a failure.

#![deny(warnings)]

use std::collections::HashSet;
use std::fs::File;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use meshpool::{
    mesh_local, mesh_local_edited, Brush, Client, Corners, Edges, EditOp, Edits, Error, FieldKind,
    MeshResult, OwnedMesh, Request, Transitions, MAX_BRUSHES,
};

/// One test at a time: each runs a daemon with two workers, and the
/// machine may have no more than two cores.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    // A failed test poisons the lock; the others still run.
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

/// A private meshpoold, killed when dropped, also when a test panics.
struct Daemon {
    child: Child,
    name: String,
    log: PathBuf,
}

impl Daemon {
    /// Starts `$MESHPOOLD -f -c /dev/null -n rust-test-<pid>-<tag> -w 2`
    /// and waits until it answers; None (after saying why) if MESHPOOLD is
    /// not set.
    fn start(tag: &str) -> Option<Daemon> {
        let Some(bin) = std::env::var_os("MESHPOOLD") else {
            // Straight to stderr: the test harness captures only print!.
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED: daemon test '{tag}': MESHPOOLD is not set (the path of a \
                 meshpoold binary, e.g. MESHPOOLD=$PWD/meshpoold)"
            );
            return None;
        };
        let name = format!("rust-test-{}-{tag}", std::process::id());
        let log = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}.log"));
        let child = Command::new(&bin)
            .args(["-f", "-c", "/dev/null", "-n", &name, "-w", "2"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(File::create(&log).expect("cannot create the daemon log"))
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {bin:?}: {e}"));
        let mut daemon = Daemon { child, name, log };
        daemon.wait_until_it_answers();
        Some(daemon)
    }

    fn wait_until_it_answers(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                panic!("meshpoold exited at start ({status}):\n{}", self.log_text());
            }
            let error = match Client::connect(Some(&self.name)) {
                Ok(_) => return,
                Err(e) => e,
            };
            if Instant::now() > deadline {
                panic!(
                    "meshpoold did not answer in 10 s ({error}):\n{}",
                    self.log_text()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn connect(&self) -> Client {
        Client::connect(Some(&self.name)).expect("connect to the test daemon")
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// SIGKILL, the way a crash or an OOM kill ends it; its workers follow
    /// (PR_SET_PDEATHSIG). It leaves its socket behind, which the next
    /// daemon of the same name replaces.
    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM (std has no kill(2) but SIGKILL, hence kill(1)), so that it
    /// removes its socket; SIGKILL if it is not gone within 5 s.
    fn stop(&mut self) {
        if let Ok(Some(_)) = self.child.try_wait() {
            return; // exited, and reaped now: its pid is no longer ours
        }
        let pid = self.child.id().to_string();
        let termed = Command::new("kill").args(["-TERM", &pid]).status();
        if termed.is_ok_and(|s| s.success()) {
            let deadline = Instant::now() + Duration::from_secs(5);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = self.child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(10));
            }
        }
        self.kill();
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The chunks of the bit-identity test: LOD 0 around the origin (with
/// chunks above and below the terrain, which are empty), LOD 1 with every
/// lane and a spread of transition faces, and a volume field with
/// overhangs. user_data is the index.
fn chunk_set() -> Vec<Request> {
    let mut reqs = Vec::new();
    for x in -4..4 {
        for z in -4..4 {
            for y in -1..=0 {
                reqs.push(Request::new().with_chunk(x, y, z));
            }
        }
    }
    for (x, z) in [(0, 0), (5, -5), (-7, 2)] {
        reqs.push(Request::new().with_chunk(x, 2, z)); // above the surface
        reqs.push(Request::new().with_chunk(x, -3, z)); // solid below it
    }
    let mut faces = 0u8;
    for x in -3..3 {
        for z in -3..3 {
            for y in -1..=0 {
                faces = faces.wrapping_add(23); // NONE, ALL and between
                reqs.push(lod1_request(x, y, z, faces, 67));
            }
        }
    }
    for x in -3..3 {
        for z in -3..3 {
            for y in -1..=0 {
                reqs.push(volume_request(x, y, z));
            }
        }
    }
    numbered(reqs)
}

/// A LOD 1 chunk with the transition bits `faces` and edge and corner
/// bits from them.
fn lod1_request(x: i32, y: i32, z: i32, faces: u8, edge_mul: u16) -> Request {
    Request::new()
        .with_chunk(x, y, z)
        .with_lod(1)
        .with_transitions(Transitions::from_bits_truncate(faces))
        .with_edges(Edges::from_bits_truncate(u16::from(faces) * edge_mul))
        .with_corners(Corners::from_bits_truncate(faces.wrapping_mul(37)))
}

/// A chunk of 24 cells of a volume field.
fn volume_request(x: i32, y: i32, z: i32) -> Request {
    Request::new()
        .with_chunk(x, y, z)
        .with_cells(24)
        .with_field_kind(FieldKind::Volume)
        .with_seed(7)
        .with_frequency(0.05)
        .with_amplitude(12.0)
}

/// user_data is the index; the priorities take turns.
fn numbered(reqs: Vec<Request>) -> Vec<Request> {
    reqs.into_iter()
        .enumerate()
        .map(|(i, r)| r.with_user_data(i as u64).with_priority((i % 4) as u8))
        .collect()
}

fn same_bits(a: &[f32], b: &[f32]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits())
}

/// The daemon's mesh for `request` is bit for bit mp_mesh_local's; true
/// if it has triangles.
fn check_against_local(result: &MeshResult<'_>, request: &Request) -> bool {
    let local = mesh_local(request).expect("mesh_local");
    check_against(result, request, &local)
}

/// The daemon's mesh is bit for bit `local`: positions, normals, indices,
/// materials and box; true if it has triangles.
fn check_against(result: &MeshResult<'_>, request: &Request, local: &OwnedMesh) -> bool {
    assert_eq!(result.status(), Ok(()), "{request:?}");
    let view = result.mesh().expect("a mesh for an Ok result");
    assert!(
        same_bits(view.positions(), &local.positions),
        "positions of {request:?}"
    );
    assert!(
        same_bits(view.normals(), &local.normals),
        "normals of {request:?}"
    );
    assert_eq!(view.indices(), &local.indices[..], "indices of {request:?}");
    assert_eq!(
        view.materials(),
        &local.materials[..],
        "materials of {request:?}"
    );
    assert_eq!(view.materials().len(), view.vertex_count());
    let (min, max) = result.aabb();
    assert!(same_bits(&min, &local.aabb_min) && same_bits(&max, &local.aabb_max));
    assert_eq!(result.vertex_count() as usize, local.vertex_count());
    assert_eq!(view.vertex_count(), local.vertex_count());
    !view.is_empty()
}

/// Submits every request (one at a time and in batches), polling while
/// the lanes are full, and hands each result to `check` once.
/// Polls what is done (or waits up to a second if nothing is) and hands
/// each result to `check`: how many. The results drop on return, which
/// gives every slab back to the arena.
fn take_results(client: &Client, check: &mut impl FnMut(&MeshResult<'_>)) -> usize {
    let mut done = Vec::new();
    match client.poll(&mut done, 64) {
        Ok(0) => match client.wait(Some(Duration::from_secs(1))) {
            Ok(()) | Err(Error::TimedOut) => 0,
            Err(e) => panic!("wait: {e}"),
        },
        Ok(n) => {
            assert_eq!(n, done.len());
            done.iter().for_each(check);
            n
        }
        Err(e) => panic!("poll: {e}"),
    }
}

fn run_all(client: &Client, reqs: &[Request], check: impl FnMut(&MeshResult<'_>)) {
    run_all_within(client, reqs, Duration::from_secs(120), check);
}

fn run_all_within(
    client: &Client,
    reqs: &[Request],
    limit: Duration,
    mut check: impl FnMut(&MeshResult<'_>),
) {
    let deadline = Instant::now() + limit;
    let (mut sent, mut got) = (0, 0);
    let mut batch = true;
    while got < reqs.len() {
        assert!(
            Instant::now() < deadline,
            "{got} of {} results in {limit:?}",
            reqs.len()
        );
        while sent < reqs.len() {
            // Alternate: a batch of up to 16, then single submits.
            let taken = if batch {
                client.submit_batch(&reqs[sent..(sent + 16).min(reqs.len())])
            } else {
                match client.submit(&reqs[sent]) {
                    Ok(()) => 1,
                    Err(Error::Again) => 0,
                    Err(e) => panic!("submit: {e}"),
                }
            };
            batch = !batch;
            if taken == 0 {
                break; // full: take results first
            }
            sent += taken;
        }
        got += take_results(client, &mut check);
    }
}

#[test]
fn every_request_once_and_bit_identical_to_mesh_local() {
    let _serial = serial();
    let Some(daemon) = Daemon::start("identical") else {
        return;
    };
    let client = daemon.connect();
    let reqs = chunk_set();
    assert!(reqs.len() >= 200, "a few hundred chunks");

    let mut seen = vec![0u32; reqs.len()];
    let mut with_triangles = 0;
    run_all(&client, &reqs, |result| {
        let i = usize::try_from(result.user_data()).expect("an index");
        seen[i] += 1;
        if check_against_local(result, &reqs[i]) {
            with_triangles += 1;
        }
    });
    let not_once: Vec<usize> = (0..reqs.len()).filter(|&i| seen[i] != 1).collect();
    assert!(
        not_once.is_empty(),
        "requests without exactly one result: {not_once:?}"
    );
    // Both kinds were compared: meshes, and the empty chunks.
    assert!(
        with_triangles >= reqs.len() / 2,
        "{with_triangles} meshes with triangles"
    );
    assert!(
        with_triangles <= reqs.len() - 6,
        "the empty chunks came back empty"
    );
    // Nothing more comes: no duplicates after the last expected result.
    assert_eq!(client.pending(), 0);
    assert_eq!(client.drain(Some(Duration::ZERO)), Ok(()));
    let mut extra = Vec::new();
    assert_eq!(client.poll(&mut extra, 16), Ok(0));
}

#[test]
fn invalid_requests_are_refused_and_a_batch_stops_at_the_first() {
    let _serial = serial();
    let Some(daemon) = Daemon::start("invalid") else {
        return;
    };
    let client = daemon.connect();
    let good = Request::new().with_chunk(0, -1, 0);
    let bad = Request::new().with_transitions(Transitions::NX); // at LOD 0

    // Refused, with the sentence saying why.
    let e = client.submit(&bad).expect_err("invalid");
    assert_eq!(e, Error::Invalid(bad.problem()));
    assert!(e.to_string().contains("transitions need lod >= 1"), "{e}");
    let batch = [
        good.with_user_data(1),
        good.with_user_data(2),
        bad,
        good.with_user_data(3),
    ];
    assert_eq!(client.submit_batch(&batch), 2);
    assert_eq!(client.pending(), 2);
    assert_eq!(client.submit_batch(&[]), 0);

    client.drain(Some(Duration::from_secs(30))).expect("drain");
    let mut done = Vec::new();
    assert_eq!(client.poll(&mut done, 16), Ok(2));
    let mut ids: Vec<u64> = done.iter().map(MeshResult::user_data).collect();
    ids.sort_unstable();
    assert_eq!(ids, [1, 2]);
}

#[test]
fn dropping_results_gives_their_memory_back() {
    let _serial = serial();
    let Some(daemon) = Daemon::start("release") else {
        return;
    };
    let client = daemon.connect();
    // More mesh than this client may hold in the arena at once (an eighth
    // of the default 128 MiB): they all arrive only if each result dropped
    // released its slab.
    let reqs: Vec<Request> = (0..160)
        .map(|i| {
            Request::new()
                .with_chunk(i, -1, -i)
                .with_cells(64)
                .with_user_data(i as u64)
        })
        .collect();
    let mut bytes = 0;
    run_all_within(&client, &reqs, Duration::from_secs(30), |result| {
        let mesh = result.mesh().expect("a mesh");
        bytes += std::mem::size_of_val(mesh.positions())
            + std::mem::size_of_val(mesh.normals())
            + std::mem::size_of_val(mesh.indices());
    });
    assert!(
        bytes > 16 << 20,
        "only {bytes} bytes of meshes: the test needs more"
    );
}

#[test]
fn cancel_and_drain() {
    let _serial = serial();
    let Some(daemon) = Daemon::start("cancel") else {
        return;
    };
    let client = daemon.connect();

    // With nothing in flight: drain returns at once, wait times out, and
    // there is nothing to cancel.
    assert_eq!(client.drain(Some(Duration::ZERO)), Ok(()));
    let t0 = Instant::now();
    assert_eq!(
        client.wait(Some(Duration::from_millis(50))),
        Err(Error::TimedOut)
    );
    assert!(
        t0.elapsed() >= Duration::from_millis(45),
        "wait slept its timeout"
    );
    assert_eq!(client.cancel(7), Err(Error::NotFound));

    // 200 requests; lanes of 256 take them all at once. Their meshes must
    // fit in this client's share of the arena (an eighth: 16 MiB by
    // default) all at once, or drain would wait for ever for room that
    // only polling (and dropping) results makes.
    let reqs: Vec<Request> = (0..200)
        .map(|i| Request::new().with_chunk(i, -1, 3).with_user_data(i as u64))
        .collect();
    assert_eq!(client.submit_batch(&reqs), reqs.len());
    let cancelled: HashSet<u64> = (150..200).collect();
    for &id in &cancelled {
        assert_eq!(client.cancel(id), Ok(()), "cancel {id}");
    }
    // One request per user_data: cancelled already, nothing left to cancel.
    assert_eq!(client.cancel(150), Err(Error::NotFound));
    assert_eq!(client.cancel(10_000), Err(Error::NotFound));

    // drain: every result is ready; none is taken until poll.
    client.drain(Some(Duration::from_secs(30))).expect("drain");
    assert_eq!(client.pending(), 200);
    let mut done = Vec::new();
    assert_eq!(
        client.poll(&mut done, 1000),
        Ok(200),
        "all 200 ready at once"
    );
    assert_eq!(client.pending(), 0);

    let mut seen = HashSet::new();
    for result in &done {
        let id = result.user_data();
        assert!(seen.insert(id), "{id} twice");
        if cancelled.contains(&id) {
            assert_eq!(result.status(), Err(Error::Canceled), "{id}");
            assert_eq!(result.mesh().err(), Some(Error::Canceled));
            assert_eq!((result.vertex_count(), result.index_count()), (0, 0));
        } else if id % 25 == 0 {
            check_against_local(result, &reqs[id as usize]);
        } else {
            assert_eq!(result.status(), Ok(()), "{id}");
        }
    }
    assert_eq!(seen.len(), 200);
    // Cancelling a request whose result was polled finds nothing.
    assert_eq!(client.cancel(3), Err(Error::NotFound));
}

#[test]
fn unfinished_names_what_a_killed_daemon_never_did() {
    let _serial = serial();
    let Some(mut first) = Daemon::start("killed") else {
        return;
    };
    let client = first.connect();

    // Heavy chunks (64 cells, 6 octaves of 3D noise: several ms each) so
    // that most are still out when the daemon dies.
    let reqs: Vec<Request> = (0..150)
        .map(|i| {
            Request::new()
                .with_chunk(i, i % 2 - 1, -2)
                .with_cells(64)
                .with_field_kind(FieldKind::Volume)
                .with_octaves(6)
                .with_frequency(0.05)
                .with_amplitude(12.0)
                .with_priority((i % 4) as u8)
                .with_user_data(i as u64)
        })
        .collect();
    assert_eq!(client.submit_batch(&reqs), reqs.len());
    client
        .wait(Some(Duration::from_secs(30)))
        .expect("a first result");
    first.kill();

    // Every result it finished is still polled, then Disconnected.
    let mut finished = HashSet::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        assert!(Instant::now() < deadline, "poll never said Disconnected");
        let mut done = Vec::new();
        match client.poll(&mut done, 64) {
            Ok(0) => {
                let _ = client.wait(Some(Duration::from_millis(100)));
            }
            Ok(_) => {
                for result in &done {
                    assert!(finished.insert(result.user_data()));
                }
            }
            Err(Error::Disconnected) => break,
            Err(e) => panic!("poll: {e}"),
        }
    }
    assert_eq!(client.submit(&reqs[0]), Err(Error::Disconnected));

    let lost = client.unfinished();
    assert_eq!(lost.len(), client.pending());
    assert!(!finished.is_empty(), "one result came before the kill");
    assert!(!lost.is_empty(), "the kill left requests unfinished");
    assert_eq!(finished.len() + lost.len(), reqs.len());
    // Exactly the requests without a result, oldest first, unchanged.
    let expected: Vec<Request> = reqs
        .iter()
        .filter(|r| !finished.contains(&r.user_data()))
        .copied()
        .collect();
    assert_eq!(lost, expected);
    println!(
        "killed: {} finished, {} unfinished",
        finished.len(),
        lost.len()
    );
    drop(client);

    // Submitted again to the daemon restarted under the same name, each
    // gets its one result.
    let second = Daemon::start("killed").expect("MESHPOOLD is set");
    let client = second.connect();
    let mut again = HashSet::new();
    run_all(&client, &lost, |result| {
        assert_eq!(result.status(), Ok(()));
        assert!(
            again.insert(result.user_data()),
            "{} twice",
            result.user_data()
        );
        assert!(
            !finished.contains(&result.user_data()),
            "finished before the kill"
        );
    });
    assert_eq!(finished.len() + again.len(), reqs.len());
}

// --- terrain edits -------------------------------------------------------

/// A small deterministic random source (no crates here).
struct Lcg(u64);

impl Lcg {
    /// Uniform in [lo, hi).
    fn range(&mut self, lo: f32, hi: f32) -> f32 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        lo + (hi - lo) * ((self.0 >> 40) as f32 / (1u64 << 24) as f32)
    }
}

/// A world's worth of edits over the chunks of `edited_chunk_set`: every
/// shape and op, materials, rounding and smooth blends, and 200 small
/// random brushes on top.
fn world_edits() -> Edits {
    let mut edits = Edits::new();
    let big = [
        Brush::sphere([5.0, -3.0, 7.0], 6.0).with_op(EditOp::Subtract),
        Brush::cuboid([20.0, -6.0, -10.0], [28.0, 4.0, -2.0])
            .with_material(3)
            .with_rounding(1.0),
        Brush::capsule([-20.0, -2.0, 5.0], [-8.0, 6.0, 12.0], 2.5)
            .with_material(7)
            .with_smooth(1.5),
        Brush::sphere([0.0, -2.0, -20.0], 8.0)
            .with_op(EditOp::Paint)
            .with_material(11),
        Brush::capsule([-40.0, -6.0, -40.0], [40.0, -4.0, 40.0], 3.0)
            .with_op(EditOp::Subtract)
            .with_smooth(2.0),
    ];
    for b in &big {
        edits.add(b).expect("a valid brush");
    }
    let mut rng = Lcg(7);
    for i in 0..200 {
        let c = [
            rng.range(-60.0, 60.0),
            rng.range(-12.0, 8.0),
            rng.range(-60.0, 60.0),
        ];
        let op = [EditOp::Add, EditOp::Subtract, EditOp::Paint][i % 3];
        let b = Brush::sphere(c, rng.range(0.5, 3.0))
            .with_op(op)
            .with_material((i % 5) as u8 + 20);
        edits.add(&b).expect("a valid brush");
    }
    assert_eq!(edits.count(), big.len() + 200);
    edits
}

/// LOD 0 chunks under the edits, LOD 1 ones with transitions and edges,
/// and a volume field; user_data is the index.
fn edited_chunk_set() -> Vec<Request> {
    let mut reqs = Vec::new();
    for x in -2..2 {
        for z in -2..2 {
            for y in -1..=0 {
                reqs.push(Request::new().with_chunk(x, y, z));
            }
        }
    }
    let mut faces = 0u8;
    for x in -1..1 {
        for z in -1..1 {
            for y in -1..=0 {
                faces = faces.wrapping_add(29);
                reqs.push(lod1_request(x, y, z, faces, 71));
            }
        }
    }
    for x in -2..2 {
        for z in -2..2 {
            reqs.push(volume_request(x, -1, z));
        }
    }
    numbered(reqs)
}

/// Submits every request edited with `edits` (polling while full) and
/// hands each result to `check` once.
fn run_edited(
    client: &Client,
    reqs: &[Request],
    edits: &Edits,
    mut check: impl FnMut(&MeshResult<'_>),
) {
    let deadline = Instant::now() + Duration::from_secs(120);
    let (mut sent, mut got) = (0, 0);
    while got < reqs.len() {
        assert!(Instant::now() < deadline, "{got} of {} results", reqs.len());
        while sent < reqs.len() {
            match client.submit_edited(&reqs[sent], edits) {
                Ok(()) => sent += 1,
                Err(Error::Again) => break,
                Err(e) => panic!("submit_edited: {e}"),
            }
        }
        got += take_results(client, &mut check);
    }
}

#[test]
fn edited_requests_are_bit_identical_to_mesh_local_edited() {
    let _serial = serial();
    let Some(daemon) = Daemon::start("edited") else {
        return;
    };
    let client = daemon.connect();
    let edits = world_edits();
    let reqs = edited_chunk_set();
    let locals: Vec<OwnedMesh> = reqs
        .iter()
        .map(|r| mesh_local_edited(r, &edits).expect("mesh_local_edited"))
        .collect();

    let mut seen = vec![0u32; reqs.len()];
    let (mut changed, mut materials) = (0, HashSet::new());
    run_edited(&client, &reqs, &edits, |result| {
        let i = result.user_data() as usize;
        seen[i] += 1;
        check_against(result, &reqs[i], &locals[i]);
        let view = result.mesh().expect("a mesh");
        materials.extend(view.materials().iter().copied());
        let plain = mesh_local(&reqs[i]).expect("mesh_local");
        if plain.indices != view.indices() || plain.materials != view.materials() {
            changed += 1;
        }
    });
    assert!(seen.iter().all(|&n| n == 1), "each result once: {seen:?}");
    // The brushes did reach the meshes: most chunks changed, and the
    // materials of every kind of brush came through.
    assert!(
        changed >= reqs.len() / 2,
        "{changed} of {} changed",
        reqs.len()
    );
    for k in [0, 3, 7, 11] {
        assert!(materials.contains(&k), "material {k} in {materials:?}");
    }
    assert!(
        materials.iter().any(|&k| k >= 20),
        "a small brush's material"
    );
    assert_eq!(client.pending(), 0);
}

#[test]
fn a_group_comes_out_whole_in_one_poll() {
    let _serial = serial();
    let Some(daemon) = Daemon::start("group") else {
        return;
    };
    let client = daemon.connect();
    let like = Request::new().with_cells(16);
    let mut edits = Edits::new();

    // 1. Held until all of it fits in one call: a poll without room for
    // the whole group takes the plain results around it, not the group.
    // A crater 4 chunks across: more members than poll's stack buffer.
    let dig = Brush::sphere([0.5, -3.0, 0.5], 20.0).with_op(EditOp::Subtract);
    edits.add(&dig).unwrap();
    let chunks = Edits::chunks(&dig, &like).unwrap();
    let group: Vec<Request> = chunks
        .requests(&like)
        .enumerate()
        .map(|(i, r)| r.with_user_data(1000 + i as u64))
        .collect();
    assert!(group.len() > 32, "{chunks:?}");
    let singles: Vec<Request> = (0..5)
        .map(|i| like.with_chunk(10 + i, -1, 10).with_user_data(i as u64))
        .collect();
    assert_eq!(client.submit_batch(&singles), singles.len());
    client
        .submit_group(&group, Some(&edits))
        .expect("submit_group");
    assert_eq!(client.pending(), singles.len() + group.len());
    client.drain(Some(Duration::from_secs(30))).expect("drain");

    let mut done = Vec::new();
    let n = client.poll(&mut done, group.len() - 1).expect("poll");
    assert_eq!(n, singles.len(), "only the singles: {done:?}");
    assert!(done.iter().all(|r| r.user_data() < 1000));
    drop(done);
    // Done and held: still unfinished, in order.
    assert_eq!(client.unfinished(), group);
    let mut done = Vec::new();
    assert_eq!(client.poll(&mut done, 1000), Ok(group.len()));
    for result in &done {
        let r = &group[(result.user_data() - 1000) as usize];
        check_against(result, r, &mesh_local_edited(r, &edits).unwrap());
    }
    drop(done);
    assert_eq!(client.pending(), 0);

    // 2. Twelve digs, each a group of the chunks it changes, with plain
    // chunks between them, polled 64 at a time as a frame would: every
    // poll that returns one member of a group returns all of them.
    let mut sizes = Vec::new();
    let mut plain = 0u64;
    for g in 0..12u64 {
        let at = [g as f32 * 11.0 - 60.0, -2.0, (g % 3) as f32 * 20.0 - 20.0];
        let dig = Brush::sphere(at, 3.0 + (g % 4) as f32).with_op(EditOp::Subtract);
        edits.add(&dig).unwrap();
        let members: Vec<Request> = Edits::chunks(&dig, &like)
            .unwrap()
            .requests(&like.with_priority((g % 4) as u8))
            .enumerate()
            .map(|(i, r)| r.with_user_data((g + 1) << 32 | i as u64))
            .collect();
        sizes.push(members.len());
        loop {
            match client.submit_group(&members, Some(&edits)) {
                Ok(()) => break,
                Err(Error::Again) => std::thread::sleep(Duration::from_millis(5)),
                Err(e) => panic!("submit_group: {e}"),
            }
        }
        for _ in 0..3 {
            let r = like.with_chunk(plain as i32, -1, -30).with_user_data(plain);
            client.submit(&r).expect("submit");
            plain += 1;
        }
    }
    let mut whole = vec![false; sizes.len()];
    let mut plain_got = 0;
    let deadline = Instant::now() + Duration::from_secs(60);
    while client.pending() > 0 {
        assert!(
            Instant::now() < deadline,
            "{} still pending",
            client.pending()
        );
        let mut done = Vec::new();
        if client.poll(&mut done, 64).expect("poll") == 0 {
            let _ = client.wait(Some(Duration::from_millis(200)));
            continue;
        }
        let mut per_group = vec![0usize; sizes.len()];
        for result in &done {
            assert_eq!(result.status(), Ok(()));
            match (result.user_data() >> 32) as usize {
                0 => plain_got += 1,
                g => per_group[g - 1] += 1,
            }
        }
        for (g, &n) in per_group.iter().enumerate() {
            if n > 0 {
                assert_eq!(n, sizes[g], "group {g} split across polls");
                assert!(!whole[g], "group {g} twice");
                whole[g] = true;
            }
        }
    }
    assert!(whole.iter().all(|&w| w), "every group came out");
    assert_eq!(plain_got, plain);
}

#[test]
fn saved_and_loaded_edits_mesh_the_same() {
    let _serial = serial();
    let Some(daemon) = Daemon::start("saveload") else {
        return;
    };
    let client = daemon.connect();
    let edits = world_edits();
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("rust-test-{}.edits", std::process::id()));
    edits.save(&path).expect("save");
    let loaded = Edits::load(&path).expect("load");
    assert_eq!(loaded.count(), edits.count());

    // Meshed through the daemon with the loaded set: bit for bit what the
    // original gives in-process.
    let reqs: Vec<Request> = edited_chunk_set().into_iter().step_by(3).collect();
    run_edited(&client, &reqs, &loaded, |result| {
        let r = reqs
            .iter()
            .find(|r| r.user_data() == result.user_data())
            .expect("one of ours");
        check_against(result, r, &mesh_local_edited(r, &edits).unwrap());
    });

    // A damaged file is refused as one, distinct from a protocol error.
    let mut bytes = std::fs::read(&path).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x40;
    std::fs::write(&path, &bytes).unwrap();
    let e = Edits::load(&path).expect_err("damaged");
    assert_eq!(e, Error::BadEditFile);
    assert_ne!(e, Error::Protocol);
    std::fs::remove_file(&path).unwrap();
    assert_eq!(
        Edits::load(&path).err().and_then(|e| e.raw_os_error()),
        Some(2)
    );
}

#[test]
fn bad_brushes_and_edited_requests_are_refused_with_their_sentence() {
    let _serial = serial();
    let Some(daemon) = Daemon::start("refused") else {
        return;
    };
    let client = daemon.connect();
    let mut edits = Edits::new();

    let bad = Brush::cuboid([0.0, 0.0, 0.0], [4.0, -1.0, 4.0]);
    let e = edits.add(&bad).expect_err("a box with max below min");
    let sentence = bad.problem().expect("a problem");
    assert_eq!(e, Error::Invalid(Some(sentence)));
    assert!(sentence.contains("a[i] < b[i]"), "{sentence}");
    assert!(e.to_string().ends_with(sentence), "{e}");
    assert_eq!(edits.count(), 0, "nothing kept");
    let e = Edits::chunks(&bad, &Request::new()).expect_err("invalid");
    assert_eq!(e.problem(), Some(sentence));

    // An invalid request, edited or in a group: its sentence, nothing sent.
    let wrong = Request::new().with_edges(Edges::NX_NY); // at LOD 0
    let e = client.submit_edited(&wrong, &edits).expect_err("invalid");
    assert!(e.to_string().contains("edges need lod >= 1"), "{e}");
    let group = [Request::new().with_chunk(0, -1, 0), wrong];
    let e = client
        .submit_group(&group, Some(&edits))
        .expect_err("invalid");
    assert_eq!(e, Error::Invalid(wrong.problem()));
    assert_eq!(client.pending(), 0, "all or none");

    // A group that no lane could ever hold.
    let huge: Vec<Request> = (0..300)
        .map(|i| Request::new().with_chunk(i, -1, 0))
        .collect();
    let e = client.submit_group(&huge, None).expect_err("never fits");
    assert!(e.problem().is_some_and(|p| p.contains("never fit")), "{e}");
    assert_eq!(client.pending(), 0);

    // More brushes on one chunk than a request may carry.
    for i in 0..=MAX_BRUSHES {
        let at = [(i % 64) as f32 * 0.5, -8.0, (i / 64) as f32 * 0.25];
        edits.add(&Brush::sphere(at, 0.5)).unwrap();
    }
    let crowded = Request::new().with_chunk(0, -1, 0);
    assert_eq!(edits.touching(&crowded), Ok(MAX_BRUSHES + 1));
    let e = client
        .submit_edited(&crowded, &edits)
        .expect_err("too many");
    assert!(e.to_string().contains("MP_MAX_BRUSHES"), "{e}");
    assert_eq!(client.pending(), 0);

    // And a good one still goes through.
    client
        .submit_edited(&Request::new().with_chunk(5, -1, 5), &edits)
        .expect("submit_edited");
    client.drain(Some(Duration::from_secs(30))).expect("drain");
    let mut done = Vec::new();
    assert_eq!(client.poll(&mut done, 4), Ok(1));
}
