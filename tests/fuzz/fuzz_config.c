/*
 * fuzz_config.c - libFuzzer target: meshpoold.conf text through libinih
 * and our key handler.  Accepted or refused, never a crash; an accepted
 * file always yields settings inside their documented ranges, and a
 * refused one leaves the settings untouched and says why.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "settings.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config c, before;
	char *text, err[512];

	if ((text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	config_defaults(&c);
	before = c;
	err[0] = '\0';
	if (config_load_text(text, "fuzz.conf", &c, err, sizeof err) == 0) {
		if (c.min_workers < 1 || c.max_workers > 64 ||
		    c.min_workers > c.max_workers || c.start_workers < c.min_workers ||
		    c.start_workers > c.max_workers || c.arena_mb < 4 ||
		    c.max_clients < 1 || c.max_clients > 64 || c.lane_depth < 16 ||
		    (c.lane_depth & (c.lane_depth - 1)) != 0 ||
		    (c.socket[0] != '\0' && c.socket[0] != '/'))
			abort();
	} else if (memcmp(&c, &before, sizeof c) != 0 ||
	    strncmp(err, "fuzz.conf", 9) != 0)
		abort();
	free(text);
	return 0;
}
