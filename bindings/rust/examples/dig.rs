//! Digging through meshpoold. A camera walks along X; every few frames a
//! ray from it finds the ground (`Edits::raycast`), a sphere is dug there
//! (`Edits::add`), and the chunks it changed (`Edits::chunks`) go out as
//! one group in lane 0 (`Client::submit_group`). A group's results come
//! out of one poll, all of them, so the frame swaps the whole crater in at
//! once: never half a hole with the old ground beside it. The view around
//! it is meshed with `submit_edited` in lane 2.
//!
//!   cargo run --example dig -- [-n INSTANCE] [-d DIGS]

use std::collections::HashMap;
use std::time::{Duration, Instant};

use meshpool::{Brush, Client, EditOp, Edits, Error, Request};

type Chunk = [i32; 3];
const FRAME: Duration = Duration::from_micros(16_667);

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (instance, digs) = args()?;
    let client = Client::connect(instance.as_deref())?;
    let like = Request::new().with_cells(16);
    let mut edits = Edits::new();
    // What each user_data was for: its chunk, the dig (0: the view) and
    // how many brushes it was meshed with, which orders meshes of a chunk.
    let mut tickets: HashMap<u64, (Chunk, usize, usize)> = HashMap::new();
    let mut shown: HashMap<Chunk, (usize, usize)> = HashMap::new(); // brushes, triangles
    let mut queue: Vec<Request> = Vec::new(); // view chunks not yet taken
    for x in -4..8 {
        for z in -3..3 {
            queue.extend((-2..=0).map(|y| like.with_chunk(x, y, z).with_priority(2)));
        }
    }
    let (mut tried, mut dug, mut next) = (0, 0, 0u64);
    let mut out = None::<(usize, Instant)>; // the dig in flight: its size
    let (start, mut frames) = (Instant::now(), 0);
    while tried < digs || out.is_some() || client.pending() > 0 || !queue.is_empty() {
        let frame = Instant::now();
        frames += 1;
        // The view: as much as the lanes take this frame.
        while let Some(&r) = queue.last() {
            match client.submit_edited(&r.with_user_data(next), &edits) {
                Ok(()) => {
                    tickets.insert(next, (r.chunk(), 0, edits.count()));
                    (next, _) = (next + 1, queue.pop());
                }
                Err(Error::Again) => break,
                Err(e) => return Err(e.into()),
            }
        }
        // One dig at a time, straight ahead and down from the camera.
        if out.is_none() && tried < digs {
            let cam = [tried as f32 * 6.0 - 40.0, 30.0, -10.0];
            tried += 1;
            if let Some(hit) = edits.raycast(&like, cam, [0.2, -1.0, 0.5], 100.0)? {
                let dig = Brush::sphere(hit, 4.0).with_op(EditOp::Subtract);
                edits.add(&dig)?;
                dug += 1;
                let group: Vec<Request> = Edits::chunks(&dig, &like)?
                    .requests(&like)
                    .enumerate()
                    .map(|(i, r)| r.with_user_data(next + i as u64))
                    .collect();
                client.submit_group(&group, Some(&edits))?; // Again: a game retries
                for r in &group {
                    tickets.insert(r.user_data(), (r.chunk(), dug, edits.count()));
                }
                next += group.len() as u64;
                out = Some((group.len(), Instant::now()));
            }
        }
        // Take what is done: view chunks one by one, a dig's chunks all at once.
        let mut done = Vec::new();
        client.poll(&mut done, 512)?;
        let mut swapped = 0;
        for result in &done {
            let (chunk, dig, brushes) = tickets.remove(&result.user_data()).expect("ours");
            swapped += usize::from(dig > 0);
            let mesh = result.mesh()?;
            if shown.get(&chunk).map_or(true, |&(had, _)| had <= brushes) {
                // The engine's upload goes here (positions, normals,
                // indices, and materials for the texture).
                shown.insert(chunk, (brushes, mesh.triangle_count()));
            } // else an older mesh of the chunk, come late: dropped
        }
        if let Some((size, since)) = out.filter(|_| swapped > 0) {
            assert_eq!(swapped, size, "a group comes out whole");
            println!(
                "dig {dug}: {size} chunks swapped in one frame, {:.1} ms after the brush",
                since.elapsed().as_secs_f64() * 1e3
            );
            out = None;
        }
        drop(done); // releases every slab
        std::thread::sleep(FRAME.saturating_sub(frame.elapsed())); // the game's own work
    }
    let triangles: usize = shown.values().map(|&(_, t)| t).sum();
    println!(
        "dig: {dug} digs, {} chunks on screen ({triangles} triangles), {} brushes, \
         {frames} frames in {:.2} s",
        shown.len(),
        edits.count(),
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

fn args() -> Result<(Option<String>, usize), String> {
    let mut instance = std::env::var("MESHPOOL_INSTANCE").ok();
    let mut digs = 10;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or(format!("{flag} needs a value"))?;
        match flag.as_str() {
            "-n" => instance = Some(value),
            "-d" => digs = value.parse().map_err(|_| format!("bad -d {value}"))?,
            _ => return Err("usage: dig [-n INSTANCE] [-d DIGS]".into()),
        }
    }
    Ok((instance, digs))
}
