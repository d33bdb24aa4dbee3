//! For comparison with pool.rs: the same frame loop on an in-process thread
//! pool, the original host's pattern (it used rayon and crossbeam; this is
//! std only: sync_channel, and a Mutex so that several workers can share
//! one receiver). Requests go out with `try_send`, meshes come back copied
//! into Vecs through a second bounded channel, taken with `try_recv`.
//!
//!   cargo run --example threads -- [-s SECONDS] [-r RADIUS] [-w WORKERS]

use std::collections::HashMap;
use std::sync::mpsc::{sync_channel, TryRecvError, TrySendError};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use meshpool::{mesh_local, Request};

mod common;
use common::{chunk_of, key, view, Chunk};

const BUDGET: usize = 16; // uploads per frame
const FRAME: Duration = Duration::from_micros(16_667);
const DEPTH: usize = 1024; // each channel's bound, as meshpoold's in-flight limit

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (seconds, radius, workers) = args()?;
    let (req_tx, req_rx) = sync_channel::<Request>(DEPTH);
    let req_rx = Arc::new(Mutex::new(req_rx));
    let (mesh_tx, mesh_rx) = sync_channel(DEPTH);
    let pool: Vec<_> = (0..workers)
        .map(|_| {
            let (rx, tx) = (Arc::clone(&req_rx), mesh_tx.clone());
            thread::spawn(move || loop {
                let Ok(req) = rx.lock().unwrap().recv() else {
                    return;
                };
                // A full result channel blocks this worker until the frame
                // loop catches up: where the original stalled.
                if tx.send((req.user_data(), mesh_local(&req))).is_err() {
                    return;
                }
            })
        })
        .collect();
    drop(mesh_tx);
    let mut chunks: HashMap<Chunk, bool> = HashMap::new(); // true: uploaded
    let (mut meshes, mut triangles, mut wasted) = (0, 0, 0);
    let (mut spent, mut worst) = (Duration::ZERO, Duration::ZERO);

    for frame in 0..seconds * 60 {
        let t0 = Instant::now();
        let cam = frame as i32 / 10; // the camera moves one chunk in 10 frames
                                     // Ask: what came into view, nearest first, until the channel is full.
        for (chunk, _lane) in view(cam, radius) {
            if chunks.contains_key(&chunk) {
                continue;
            }
            let (x, y, z) = chunk;
            let req = Request::new()
                .with_chunk(x, y, z)
                .with_user_data(key(chunk));
            match req_tx.try_send(req) {
                Ok(()) => chunks.insert(chunk, false),
                Err(TrySendError::Full(_)) => break, // next frame
                Err(e) => return Err(e.into()),
            };
        }
        // Out of view: forget it. A request in the channel or on a worker
        // cannot be called back: it is meshed anyway, and dropped below.
        chunks.retain(|&chunk, _| (chunk.0 - cam).abs() <= radius + 1);
        // Take at most BUDGET finished meshes (copies, made by the workers).
        for _ in 0..BUDGET {
            let (user_data, mesh) = match mesh_rx.try_recv() {
                Ok(done) => done,
                Err(TryRecvError::Empty) => break,
                Err(e) => return Err(e.into()),
            };
            let chunk = chunk_of(user_data);
            match (chunks.get(&chunk), mesh) {
                (Some(false), Ok(mesh)) => {
                    // The engine's upload goes here.
                    triangles += mesh.triangle_count();
                    meshes += 1;
                    chunks.insert(chunk, true);
                }
                _ => wasted += 1,
            }
        }
        let t = t0.elapsed();
        (spent, worst) = (spent + t, worst.max(t));
        thread::sleep(FRAME.saturating_sub(t)); // the game's own work
    }
    // Stop: no more requests; take the results a worker may be blocked on
    // sending, or joining it would wait for ever.
    drop(req_tx);
    wasted += mesh_rx.iter().count();
    for worker in pool {
        worker.join().expect("a worker panicked");
    }
    let frames = seconds * 60;
    println!(
        "threads: {frames} frames, {meshes} meshes ({triangles} triangles), {wasted} meshed \
         for nothing; pool calls per frame avg {:.1} us, worst {:.1} us",
        spent.as_secs_f64() * 1e6 / f64::from(frames),
        worst.as_secs_f64() * 1e6
    );
    Ok(())
}

fn args() -> Result<(u32, i32, usize), String> {
    let (mut seconds, mut radius, mut workers) = (5, 6, 2);
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or(format!("{flag} needs a value"))?;
        let bad = |_| format!("bad {flag} {value}");
        match flag.as_str() {
            "-s" => seconds = value.parse().map_err(bad)?,
            "-r" => radius = value.parse().map_err(bad)?,
            "-w" => workers = value.parse().map_err(bad)?,
            _ => return Err("usage: threads [-s SECONDS] [-r RADIUS] [-w WORKERS]".into()),
        }
    }
    if !(1..=20).contains(&radius) {
        return Err("the radius is 1..20".into());
    }
    Ok((seconds, radius, workers))
}
