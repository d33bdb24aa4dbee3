use crate::error::Error;
use crate::ffi;
use crate::raw_slice;
use crate::request::Request;

/// A mesh in memory of its own: from [`mesh_local`], or copied out of a
/// [`MeshView`](crate::MeshView).
#[derive(Clone, Debug, Default)]
pub struct OwnedMesh {
    /// x, y, z per vertex, world space.
    pub positions: Vec<f32>,
    /// x, y, z per vertex: unit length, pointing into the air.
    pub normals: Vec<f32>,
    /// Three per triangle, counter-clockwise seen from the air.
    pub indices: Vec<u32>,
    /// The bounding box of the vertices (zero when empty).
    pub aabb_min: [f32; 3],
    pub aabb_max: [f32; 3],
}

impl OwnedMesh {
    pub fn vertex_count(&self) -> usize {
        self.positions.len() / 3
    }

    pub fn triangle_count(&self) -> usize {
        self.indices.len() / 3
    }

    pub fn is_empty(&self) -> bool {
        self.indices.is_empty()
    }
}

/// `mp_mesh_local`: meshes `request` in the calling thread, no daemon
/// involved, bit-identical to what the daemon gives for it. The C arrays
/// are copied into Vecs and freed (`mp_mesh_buf_free`) before returning.
///
/// The thread keeps a scratch area between calls, freed when it exits.
pub fn mesh_local(request: &Request) -> Result<OwnedMesh, Error> {
    let mut buf = MeshBuf(ffi::mp_mesh_buf {
        positions: std::ptr::null_mut(),
        normals: std::ptr::null_mut(),
        indices: std::ptr::null_mut(),
        vertex_count: 0,
        index_count: 0,
        aabb_min: [0.0; 3],
        aabb_max: [0.0; 3],
    });
    // SAFETY: the request is a valid mp_request, only read; buf.0 is a
    // writable mp_mesh_buf. On error C leaves it zeroed and allocates
    // nothing; on success MeshBuf's drop frees what it allocated.
    Error::check(unsafe { ffi::mp_mesh_local(&request.0, &mut buf.0) })?;
    let b = &buf.0;
    let floats = (b.vertex_count as usize)
        .checked_mul(3)
        .ok_or(Error::Invalid)?;
    // SAFETY: on success each array holds its count of elements (3 floats
    // per vertex, index_count indices), or is NULL with a count of 0; they
    // stay allocated until buf drops, after the copies below.
    let slices = unsafe {
        (
            raw_slice(b.positions, floats),
            raw_slice(b.normals, floats),
            raw_slice(b.indices, b.index_count as usize),
        )
    };
    let (Some(positions), Some(normals), Some(indices)) = slices else {
        return Err(Error::Invalid);
    };
    Ok(OwnedMesh {
        positions: positions.to_vec(),
        normals: normals.to_vec(),
        indices: indices.to_vec(),
        aabb_min: b.aabb_min,
        aabb_max: b.aabb_max,
    })
}

/// Frees the C arrays on every way out of `mesh_local`, panics included.
struct MeshBuf(ffi::mp_mesh_buf);

impl Drop for MeshBuf {
    fn drop(&mut self) {
        // SAFETY: self.0 is zeroed or filled by mp_mesh_local, and freed
        // only here; mp_mesh_buf_free accepts both.
        unsafe { ffi::mp_mesh_buf_free(&mut self.0) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Transitions;

    #[test]
    fn a_surface_chunk_has_a_mesh() {
        // Chunk y = -1 spans y in [-32, 0]; the default heightmap's surface
        // stays within 0 ± 10, so it crosses this chunk.
        let m = mesh_local(&Request::new().with_chunk(0, -1, 0)).unwrap();
        assert!(m.triangle_count() > 0);
        assert_eq!(m.positions.len(), m.normals.len());
        assert_eq!(m.indices.len() % 3, 0);
        assert!(m.indices.iter().all(|&i| (i as usize) < m.vertex_count()));
        for v in m.positions.chunks_exact(3) {
            for ((lo, x), hi) in m.aabb_min.iter().zip(v).zip(&m.aabb_max) {
                assert!(lo <= x && x <= hi);
            }
        }
        // The same request gives the same bits (meshpool(3)).
        let again = mesh_local(&Request::new().with_chunk(0, -1, 0)).unwrap();
        assert!(m
            .positions
            .iter()
            .zip(&again.positions)
            .all(|(a, b)| a.to_bits() == b.to_bits()));
        assert_eq!(m.indices, again.indices);
    }

    #[test]
    fn an_empty_chunk_is_empty_not_an_error() {
        // y = 3 spans [96, 128], far above the surface.
        let m = mesh_local(&Request::new().with_chunk(0, 3, 0)).unwrap();
        assert!(m.is_empty() && m.positions.is_empty() && m.normals.is_empty());
        assert_eq!((m.aabb_min, m.aabb_max), ([0.0; 3], [0.0; 3]));
    }

    #[test]
    fn an_invalid_request_is_invalid() {
        let r = Request::new().with_transitions(Transitions::NX); // at LOD 0
        assert_eq!(mesh_local(&r).err(), Some(Error::Invalid));
    }
}
