/*
 * render.c - draw the chunk meshes: normal-based lighting (sun and sky),
 * slope-coloured ground where the material is the field's own (0), a
 * palette colour where a brush built or painted another, distance fog,
 * optionally the LOD rings tinted apart with their chunk borders drawn.
 * Back faces are culled, so a folded (wrongly wound) triangle shows as a
 * hole.
 */
#include <stdio.h>

#include <epoxy/gl.h>

#include "render.h"

#define SKY_R 0.62f
#define SKY_G 0.74f
#define SKY_B 0.86f
#define LOG_SIZE 2048

/* A material's colour goes out premultiplied by its weight (0 for the
 * field's own), so a triangle whose corners differ blends a built colour
 * into the ground instead of into the palette's other entries. */
static const char *vertex_src =
    "#version 330 core\n"
    "layout(location = 0) in vec3 pos;\n"
    "layout(location = 1) in vec3 nrm;\n"
    "layout(location = 2) in uint mat;\n"
    "uniform mat4 vp;\n"
    "out vec3 v_pos;\n"
    "out vec3 v_nrm;\n"
    "out vec3 v_paint;\n"
    "out float v_painted;\n"
    "const vec3 PALETTE[7] = vec3[7](vec3(0.72, 0.25, 0.18),\n"
    "    vec3(0.86, 0.74, 0.46), vec3(0.88, 0.90, 0.94),\n"
    "    vec3(0.28, 0.40, 0.72), vec3(0.16, 0.56, 0.52),\n"
    "    vec3(0.88, 0.64, 0.12), vec3(0.54, 0.32, 0.66));\n"
    "void main() {\n"
    "	v_pos = pos;\n"
    "	v_nrm = nrm;\n"
    "	v_painted = mat == 0u ? 0.0 : 1.0;\n"
    "	v_paint = v_painted * PALETTE[(mat + 6u) % 7u];\n"
    "	gl_Position = vp * vec4(pos, 1.0);\n"
    "}\n";

/* u_lod < 0 means no tint.  The chunk side doubles per level (32 cells of
 * 1 voxel at LOD 0), so the border lines show the rings' chunk sizes. */
static const char *fragment_src =
    "#version 330 core\n"
    "in vec3 v_pos;\n"
    "in vec3 v_nrm;\n"
    "in vec3 v_paint;\n"
    "in float v_painted;\n"
    "uniform vec3 eye;\n"
    "uniform int lod;\n"
    "uniform float fog;\n"
    "out vec4 colour;\n"
    "const vec3 SUN = normalize(vec3(0.45, 0.8, 0.3));\n"
    "const vec3 SKY = vec3(0.62, 0.74, 0.86);\n"
    "const vec3 TINT[3] = vec3[3](vec3(1.0, 1.0, 1.0),\n"
    "    vec3(1.30, 1.05, 0.62), vec3(1.35, 0.80, 0.80));\n"
    "void main() {\n"
    "	vec3 n = normalize(v_nrm);\n"
    "	float flat_ = clamp((n.y - 0.72) / 0.2, 0.0, 1.0);\n"
    "	vec3 grass = mix(vec3(0.30, 0.46, 0.20), vec3(0.58, 0.62, 0.36),\n"
    "	    clamp(v_pos.y * 0.05 + 0.5, 0.0, 1.0));\n"
    "	vec3 base = mix(vec3(0.52, 0.46, 0.40), grass, flat_);\n"
    "	base = mix(base, v_paint / max(v_painted, 1e-4), v_painted);\n"
    "	if (lod >= 0) {\n"
    "		vec2 cell = v_pos.xz / (32.0 * float(1 << lod));\n"
    "		vec2 g = abs(fract(cell - 0.5) - 0.5) / fwidth(cell);\n"
    "		base *= TINT[min(lod, 2)];\n"
    "		base *= mix(0.7, 1.0, clamp(min(g.x, g.y) * 1.5, 0.0, 1.0));\n"
    "	}\n"
    "	float sun = max(dot(n, SUN), 0.0);\n"
    "	float sky = 0.5 + 0.5 * n.y;\n"
    "	vec3 c = base * (0.30 * sky + 0.85 * sun);\n"
    "	float d = distance(eye, v_pos) * fog;\n"
    "	colour = vec4(mix(c, SKY, 1.0 - exp(-d * d * d * d)), 1.0);\n"
    "}\n";

static GLuint
compile(GLenum kind, const char *src)
{
	GLuint s = glCreateShader(kind);
	GLint ok;

	glShaderSource(s, 1, &src, NULL);
	glCompileShader(s);
	glGetShaderiv(s, GL_COMPILE_STATUS, &ok);
	if (!ok) {
		char log[LOG_SIZE];

		glGetShaderInfoLog(s, sizeof log, NULL, log);
		fprintf(stderr, "meshpool-view: shader: %s\n", log);
		glDeleteShader(s);
		return 0;
	}
	return s;
}

static GLuint
link_program(void)
{
	GLuint vs = compile(GL_VERTEX_SHADER, vertex_src);
	GLuint fs = compile(GL_FRAGMENT_SHADER, fragment_src);
	GLuint p = 0;
	GLint ok;

	if (vs == 0 || fs == 0)
		goto out;
	p = glCreateProgram();
	glAttachShader(p, vs);
	glAttachShader(p, fs);
	glLinkProgram(p);
	glGetProgramiv(p, GL_LINK_STATUS, &ok);
	if (!ok) {
		char log[LOG_SIZE];

		glGetProgramInfoLog(p, sizeof log, NULL, log);
		fprintf(stderr, "meshpool-view: shader link: %s\n", log);
		glDeleteProgram(p);
		p = 0;
	}
out:
	if (vs != 0)
		glDeleteShader(vs);
	if (fs != 0)
		glDeleteShader(fs);
	return p;
}

int
render_init(struct render *r, int width, int height, int tint, float fog_dist)
{
	/* exp(-(d * fog)^4) is 5% at fog_dist: clear near, thick at the end. */
	r->fog = 1.316f / fog_dist;
	r->width = width;
	r->height = height;
	r->tint = tint;
	if ((r->program = link_program()) == 0)
		return -1;
	r->u_vp = glGetUniformLocation(r->program, "vp");
	r->u_eye = glGetUniformLocation(r->program, "eye");
	r->u_lod = glGetUniformLocation(r->program, "lod");
	r->u_fog = glGetUniformLocation(r->program, "fog");
	glEnable(GL_DEPTH_TEST);
	glEnable(GL_CULL_FACE);
	glCullFace(GL_BACK);
	glFrontFace(GL_CCW);            /* the mesher winds outward faces CCW */
	/* What a mesh without a materials array reads: the field's own. */
	glVertexAttribI4ui(2, 0, 0, 0, 0);
	glClearColor(SKY_R, SKY_G, SKY_B, 1.0f);
	return 0;
}

void
render_fini(struct render *r)
{
	if (r->program != 0)
		glDeleteProgram(r->program);
	r->program = 0;
}

static void
buffer(GLenum target, GLuint name, GLsizeiptr bytes, const void *data)
{
	glBindBuffer(target, name);
	glBufferData(target, bytes, data, GL_STATIC_DRAW);
}

void
render_upload(struct gpu_mesh *g, const struct render_mesh *m, uint8_t lod)
{
	int i;

	g->vao = 0;
	g->index_count = 0;
	g->lod = lod;
	if (m->index_count == 0)
		return;
	for (i = 0; i < 3; i++)
		g->lo[i] = m->lo[i], g->hi[i] = m->hi[i];
	glGenVertexArrays(1, &g->vao);
	glGenBuffers(3, g->vbo);
	glGenBuffers(1, &g->ibo);
	glBindVertexArray(g->vao);
	buffer(GL_ARRAY_BUFFER, g->vbo[0], (GLsizeiptr)m->vertex_count * 12,
	    m->positions);
	glVertexAttribPointer(0, 3, GL_FLOAT, GL_FALSE, 12, NULL);
	glEnableVertexAttribArray(0);
	buffer(GL_ARRAY_BUFFER, g->vbo[1], (GLsizeiptr)m->vertex_count * 12,
	    m->normals);
	glVertexAttribPointer(1, 3, GL_FLOAT, GL_FALSE, 12, NULL);
	glEnableVertexAttribArray(1);
	if (m->materials != NULL) {
		/* One byte a vertex, read by the shader as an integer. */
		buffer(GL_ARRAY_BUFFER, g->vbo[2], (GLsizeiptr)m->vertex_count,
		    m->materials);
		glVertexAttribIPointer(2, 1, GL_UNSIGNED_BYTE, 1, NULL);
		glEnableVertexAttribArray(2);
	}
	/* The element buffer binding is part of the VAO's state. */
	buffer(GL_ELEMENT_ARRAY_BUFFER, g->ibo, (GLsizeiptr)m->index_count * 4,
	    m->indices);
	glBindVertexArray(0);
	glBindBuffer(GL_ARRAY_BUFFER, 0);
	g->index_count = (int32_t)m->index_count;
}

void
render_free(struct gpu_mesh *g)
{
	if (g->vao == 0)
		return;
	glDeleteVertexArrays(1, &g->vao);
	glDeleteBuffers(3, g->vbo);
	glDeleteBuffers(1, &g->ibo);
	g->vao = 0;
	g->index_count = 0;
}

void
render_frame(struct render *r, const struct camera *cam,
    struct gpu_mesh *const *list, size_t n)
{
	size_t i;

	glViewport(0, 0, r->width, r->height);
	glClear(GL_COLOR_BUFFER_BIT | GL_DEPTH_BUFFER_BIT);
	glUseProgram(r->program);
	glUniformMatrix4fv(r->u_vp, 1, GL_FALSE, cam->vp);
	glUniform3fv(r->u_eye, 1, cam->eye);
	glUniform1f(r->u_fog, r->fog);
	for (i = 0; i < n; i++) {
		const struct gpu_mesh *g = list[i];

		if (g->vao == 0)
			continue;
		if (!camera_sees(cam, g->lo, g->hi))
			continue;
		glUniform1i(r->u_lod, r->tint ? g->lod : -1);
		glBindVertexArray(g->vao);
		glDrawElements(GL_TRIANGLES, g->index_count, GL_UNSIGNED_INT, NULL);
	}
	glBindVertexArray(0);
}

int
render_read(const struct render *r, uint8_t *rgb)
{
	glPixelStorei(GL_PACK_ALIGNMENT, 1);
	glReadBuffer(GL_BACK);
	glReadPixels(0, 0, r->width, r->height, GL_RGB, GL_UNSIGNED_BYTE, rgb);
	return glGetError() == GL_NO_ERROR ? 0 : -1;
}
