use crate::edits::{edited_invalid, Edits};
use crate::error::Error;
use crate::ffi;
use crate::mesh_slices;
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
    /// One per vertex: the material of the solid side of its edge (0, the
    /// field's own, or that of the last brush that built or painted there).
    pub materials: Vec<u8>,
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
/// `Error::Invalid` carries the request's problem.
///
/// The thread keeps a scratch area between calls, freed when it exits.
pub fn mesh_local(request: &Request) -> Result<OwnedMesh, Error> {
    let mut buf = MeshBuf(ffi::mp_mesh_buf::EMPTY);
    // SAFETY: the request is a valid mp_request, only read; buf.0 is a
    // writable mp_mesh_buf. On error C leaves it zeroed and allocates
    // nothing; on success MeshBuf's drop frees what it allocated.
    match unsafe { ffi::mp_mesh_local(&request.0, &mut buf.0) } {
        ffi::MP_OK => buf.to_owned_mesh(),
        ffi::MP_EINVAL => Err(request.invalid()),
        rc => Err(Error::from_code(rc)),
    }
}

/// `mp_mesh_local_edited`: as [`mesh_local`], with the brushes of `edits`
/// that touch the chunk; bit-identical to what the daemon gives for
/// [`Client::submit_edited`](crate::Client::submit_edited) with the same
/// set. `Error::Invalid` carries the request's problem, or says that more
/// than [`MAX_BRUSHES`](crate::MAX_BRUSHES) brushes touch it.
pub fn mesh_local_edited(request: &Request, edits: &Edits) -> Result<OwnedMesh, Error> {
    let mut buf = MeshBuf(ffi::mp_mesh_buf::EMPTY);
    // SAFETY: as in mesh_local; the set is live and only read (copied).
    match unsafe { ffi::mp_mesh_local_edited(&request.0, edits.as_ptr(), &mut buf.0) } {
        ffi::MP_OK => buf.to_owned_mesh(),
        ffi::MP_EINVAL => Err(edited_invalid(request, Some(edits))),
        rc => Err(Error::from_code(rc)),
    }
}

/// Frees the C arrays on every way out of `mesh_local`, panics included.
struct MeshBuf(ffi::mp_mesh_buf);

impl MeshBuf {
    /// Copies of what mp_mesh_local(_edited) filled in after MP_OK.
    fn to_owned_mesh(&self) -> Result<OwnedMesh, Error> {
        let b = &self.0;
        // SAFETY: on success each array holds its count of elements (3
        // floats per vertex, index_count indices, a material per vertex), or
        // is NULL with a count of 0; they stay allocated until self drops,
        // after the copies below.
        let (positions, normals, indices, materials) = unsafe {
            mesh_slices(
                b.positions,
                b.normals,
                b.indices,
                b.materials,
                b.vertex_count,
                b.index_count,
            )
        }?;
        Ok(OwnedMesh {
            positions: positions.to_vec(),
            normals: normals.to_vec(),
            indices: indices.to_vec(),
            materials: materials.to_vec(),
            aabb_min: b.aabb_min,
            aabb_max: b.aabb_max,
        })
    }
}

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
    use crate::{Brush, Transitions};

    #[test]
    fn a_surface_chunk_has_a_mesh() {
        // Chunk y = -1 spans y in [-32, 0]; the default heightmap's surface
        // stays within 0 ± 10, so it crosses this chunk.
        let m = mesh_local(&Request::new().with_chunk(0, -1, 0)).unwrap();
        assert!(m.triangle_count() > 0);
        assert_eq!(m.positions.len(), m.normals.len());
        assert_eq!(m.indices.len() % 3, 0);
        // Unedited ground: every vertex has the field's own material.
        assert_eq!(m.materials.len(), m.vertex_count());
        assert!(m.materials.iter().all(|&k| k == 0));
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
        assert!(m.materials.is_empty());
        assert_eq!((m.aabb_min, m.aabb_max), ([0.0; 3], [0.0; 3]));
    }

    #[test]
    fn an_invalid_request_is_invalid_with_its_sentence() {
        let r = Request::new().with_transitions(Transitions::NX); // at LOD 0
        let e = mesh_local(&r).unwrap_err();
        assert_eq!(e, Error::Invalid(r.problem()));
        assert!(e.to_string().contains("transitions need lod >= 1"), "{e}");
        let e = mesh_local_edited(&r, &Edits::new()).unwrap_err();
        assert_eq!(e, Error::Invalid(r.problem()));
    }

    #[test]
    fn an_edit_changes_the_mesh_and_its_materials() {
        // The chunk of 16 cells where the ground is at (8, 8).
        let field = Request::new().with_cells(16);
        let edits = Edits::new();
        let ground = edits
            .raycast(&field, [8.0, 40.0, 8.0], [0.0, -1.0, 0.0], 80.0)
            .unwrap()
            .expect("ground below");
        let r = field.with_chunk(0, (ground[1] / 16.0).floor() as i32, 0);
        let plain = mesh_local(&r).unwrap();
        assert!(!plain.is_empty());
        // No brushes: the same mesh as mesh_local, bit for bit.
        let none = mesh_local_edited(&r, &edits).unwrap();
        assert_eq!(bits(&none.positions), bits(&plain.positions));
        assert_eq!(bits(&none.normals), bits(&plain.normals));
        assert_eq!(none.indices, plain.indices);
        assert_eq!(none.materials, plain.materials);

        // A built ball of material 9 on the ground.
        let mut edits = edits;
        edits
            .add(&Brush::sphere(ground, 3.0).with_material(9))
            .unwrap();
        let m = mesh_local_edited(&r, &edits).unwrap();
        assert_eq!(m.materials.len(), m.vertex_count());
        assert!(m.materials.contains(&9) && m.materials.contains(&0));
        assert_ne!(bits(&m.positions), bits(&plain.positions));
        // Vertices of material 9 lie on the ball.
        for (v, &k) in m.positions.chunks_exact(3).zip(&m.materials) {
            if k == 9 {
                let d = v
                    .iter()
                    .zip(&ground)
                    .map(|(a, b)| (a - b).powi(2))
                    .sum::<f32>()
                    .sqrt();
                assert!(d < 3.0 + 1.0, "a vertex of the ball {d} from its centre");
            }
        }
    }

    fn bits(v: &[f32]) -> Vec<u32> {
        v.iter().map(|x| x.to_bits()).collect()
    }
}
