/*
 * screenshot.c - screenshots through libpng.  libpng reports errors by longjmp,
 * so everything that must be cleaned up lives outside the setjmp frame.
 */
#include <errno.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "screenshot.h"

static int
write_rows(FILE *f, int width, int height, png_bytep *rows)
{
	png_structp png;
	png_infop info = NULL;

	png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	if (png == NULL || (info = png_create_info_struct(png)) == NULL) {
		png_destroy_write_struct(&png, NULL);
		return -1;
	}
	if (setjmp(png_jmpbuf(png))) {
		png_destroy_write_struct(&png, &info);
		return -1;
	}
	png_init_io(png, f);
	png_set_IHDR(png, info, (png_uint_32)width, (png_uint_32)height, 8,
	    PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
	    PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	png_write_image(png, rows);
	png_write_end(png, NULL);
	png_destroy_write_struct(&png, &info);
	return 0;
}

int
png_write_rgb(const char *path, int width, int height, const uint8_t *rgb)
{
	png_bytep *rows = malloc((size_t)height * sizeof *rows);
	FILE *f = NULL;
	int y, rc = -1;

	if (rows == NULL)
		goto out;
	/* GL's first row is the bottom one; PNG's is the top. */
	for (y = 0; y < height; y++)
		rows[y] = (png_bytep)(rgb + (size_t)(height - 1 - y) * (size_t)width * 3);
	if ((f = fopen(path, "wb")) == NULL)
		goto out;
	if (write_rows(f, width, height, rows) != 0)
		errno = EIO;
	else
		rc = 0;
out:
	if (f != NULL && fclose(f) != 0 && rc == 0)
		rc = -1;
	if (rc != 0)
		fprintf(stderr, "meshpool-view: %s: %s\n", path, strerror(errno));
	free(rows);
	return rc;
}
