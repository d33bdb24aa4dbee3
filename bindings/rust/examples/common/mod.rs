//! What the two frame-loop examples (pool.rs on meshpoold, threads.rs on
//! an in-process thread pool) share, so that they differ only where the
//! mesher does: which chunks a camera sees, and a chunk as user_data.

/// A chunk's coordinates.
pub type Chunk = (i32, i32, i32);

/// The chunks in view of a camera at chunk x = cam, nearest first: square
/// rings around it, two layers deep, in lanes 0 (near) to 3 (far).
pub fn view(cam: i32, radius: i32) -> impl Iterator<Item = (Chunk, u8)> {
    (0..=radius).flat_map(move |d| {
        let lane = (d * 4 / (radius + 1)) as u8;
        (cam - d..=cam + d).flat_map(move |x| {
            (-d..=d)
                .filter(move |z| (x - cam).abs() == d || z.abs() == d)
                .flat_map(move |z| (-1..=0).map(move |y| ((x, y, z), lane)))
        })
    })
}

/// A chunk as user_data, and back (16 bits a coordinate is plenty here).
pub fn key((x, y, z): Chunk) -> u64 {
    (x as u16 as u64) << 32 | (y as u16 as u64) << 16 | z as u16 as u64
}

pub fn chunk_of(key: u64) -> Chunk {
    (
        (key >> 32) as i16 as i32,
        (key >> 16) as i16 as i32,
        key as i16 as i32,
    )
}
