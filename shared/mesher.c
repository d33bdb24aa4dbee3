/*
 * mesher.c - see mesher.h.
 */
#include <stdlib.h>

#include "brush.h"
#include "field_edits.h"
#include "mesher.h"
#include "request.h"

int
mesh_chunk(const mp_request *r, const mp_brush *b, size_t nb,
    struct tv_scratch *s, struct mesh *m)
{
	struct noise_field nf;
	struct edits_field ef;
	struct tv_chunk c;
	struct field f;
	struct brush_prep *prep = NULL;
	size_t k;
	int r_ok;

	if (request_problem(r) != NULL || nb > MP_MAX_BRUSHES)
		return MP_EINVAL;
	for (k = 0; k < nb; k++)
		if (brush_problem(&b[k]) != NULL)
			return MP_EINVAL;
	request_chunk(r, &c);
	request_field(r, &nf);
	f = noise_field_as_field(&nf);
	if (nb > 0) {
		if ((prep = malloc(nb * sizeof *prep)) == NULL)
			return MP_ENOMEM;
		edits_field_init(&ef, &nf, b, nb, prep);
		f = edits_field_as_field(&ef);
	}
	r_ok = tv_extract(&c, &f, s, m) == 0 ? MP_OK : MP_ENOMEM;
	free(prep);
	return r_ok;
}
