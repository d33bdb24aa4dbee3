//! A game's frame loop meshing its terrain through meshpoold: the pattern of
//! the original host (requests into a bounded channel, `try_recv` in the
//! frame loop) with the daemon as both the channel and the thread pool.
//! `submit` is the channel's `try_send` (full is `Error::Again`: the chunk
//! waits for the next frame) and `poll` its `try_recv`; meshes are read in
//! place, and dropping a result gives its memory back.
//!
//!   cargo run --example pool -- [-n INSTANCE] [-s SECONDS] [-r RADIUS]
//!
//! INSTANCE defaults to $MESHPOOL_INSTANCE, else "default". Compare
//! examples/threads.rs, the same loop on an in-process pool.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use meshpool::{Client, Error, Request};

mod common;
use common::{chunk_of, key, view, Chunk};

const BUDGET: usize = 16; // uploads per frame
const FRAME: Duration = Duration::from_micros(16_667);

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (instance, seconds, radius) = args()?;
    let mut client = Some(Client::connect(instance.as_deref())?);
    let mut chunks: HashMap<Chunk, bool> = HashMap::new(); // true: uploaded
    let mut lost: Vec<Request> = Vec::new(); // what a lost daemon never did
    let (mut meshes, mut triangles, mut cancelled, mut reconnects) = (0, 0, 0, 0);
    let (mut spent, mut worst) = (Duration::ZERO, Duration::ZERO);

    for frame in 0..seconds * 60 {
        let t0 = Instant::now();
        let cam = frame as i32 / 10; // the camera moves one chunk in 10 frames
        if client.is_none() && frame % 60 == 0 {
            client = Client::connect(instance.as_deref()).ok(); // once a second
            reconnects += u32::from(client.is_some());
        }
        if let Some(c) = &client {
            // Ask: what was lost first, then what came into view, nearest
            // first, in a lane by distance, until the daemon says full.
            lost.retain(|r| chunks.contains_key(&chunk_of(r.user_data())));
            let taken = c.submit_batch(&lost);
            lost.drain(..taken);
            for (chunk, lane) in view(cam, radius) {
                if !lost.is_empty() {
                    break;
                }
                if chunks.contains_key(&chunk) {
                    continue;
                }
                let (x, y, z) = chunk;
                let req = Request::new().with_chunk(x, y, z).with_priority(lane);
                match c.submit(&req.with_user_data(key(chunk))) {
                    Ok(()) => chunks.insert(chunk, false),
                    Err(Error::Again) => break, // full: next frame
                    Err(e) => return Err(e.into()),
                };
            }
            // Out of view: cancel what is still coming, forget the rest.
            chunks.retain(|&chunk, uploaded| {
                let keep = (chunk.0 - cam).abs() <= radius + 1;
                if !keep && !*uploaded && c.cancel(key(chunk)).is_ok() {
                    cancelled += 1;
                }
                keep
            });
            // Take at most BUDGET finished meshes, read in place.
            let mut done = Vec::with_capacity(BUDGET);
            let polled = c.poll(&mut done, BUDGET);
            for result in &done {
                let chunk = chunk_of(result.user_data());
                if let (Some(false), Ok(mesh)) = (chunks.get(&chunk), result.mesh()) {
                    // The engine's upload goes here, e.g. Godot's
                    // PackedFloat32Array::from(mesh.positions()).
                    triangles += mesh.triangle_count();
                    meshes += 1;
                    chunks.insert(chunk, true);
                }
            }
            drop(done); // releases every slab
            if polled == Err(Error::Disconnected) {
                lost.extend(c.unfinished()); // submitted again on reconnect
                eprintln!("pool: daemon lost, {} requests to submit again", lost.len());
                client = None;
            }
        }
        let t = t0.elapsed();
        (spent, worst) = (spent + t, worst.max(t));
        std::thread::sleep(FRAME.saturating_sub(t)); // the game's own work
    }
    let frames = seconds * 60;
    println!(
        "pool: {frames} frames, {meshes} meshes ({triangles} triangles), {cancelled} cancelled, \
         {reconnects} reconnects; mesher calls per frame avg {:.1} us, worst {:.1} us",
        spent.as_secs_f64() * 1e6 / f64::from(frames),
        worst.as_secs_f64() * 1e6
    );
    Ok(())
}

fn args() -> Result<(Option<String>, u32, i32), String> {
    let mut instance = std::env::var("MESHPOOL_INSTANCE").ok();
    let (mut seconds, mut radius) = (5, 6);
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or(format!("{flag} needs a value"))?;
        let bad = |_| format!("bad {flag} {value}");
        match flag.as_str() {
            "-n" => instance = Some(value.clone()),
            "-s" => seconds = value.parse().map_err(bad)?,
            "-r" => radius = value.parse().map_err(bad)?,
            _ => return Err("usage: pool [-n INSTANCE] [-s SECONDS] [-r RADIUS]".into()),
        }
    }
    if !(1..=20).contains(&radius) {
        return Err("the radius is 1..20".into());
    }
    Ok((instance, seconds, radius))
}
