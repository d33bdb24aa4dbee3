/*
 * screenshot.h - write a screenshot as PNG (libpng).  (Not png.h: that is
 * libpng's own header.)
 */
#ifndef MPV_SCREENSHOT_H
#define MPV_SCREENSHOT_H

#include <stdint.h>

/* Write width * height RGB pixels, bottom row first (as glReadPixels
 * gives them), to path: 0, or -1 with the reason on stderr. */
int png_write_rgb(const char *path, int width, int height, const uint8_t *rgb);

#endif
