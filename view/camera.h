/*
 * camera.h - the viewer's camera: where it is on its flight path at a given
 * time, its view-projection matrix, and what that matrix can see.
 */
#ifndef MPV_CAMERA_H
#define MPV_CAMERA_H

struct camera {
	float eye[3];           /* world position */
	float fwd[3];           /* unit view direction */
	float vp[16];           /* projection * view, column major */
	float planes[6][4];     /* frustum planes, inside where dot >= 0 */
};

/* Where the flight is t seconds after the start, seen with the given
 * aspect ratio and far plane; altitude scales the height above the
 * terrain's mean (1 is the default flight), pitch is the look's angle
 * below the horizon in radians. */
void camera_at(struct camera *c, double t, float aspect, float far,
    float altitude, float pitch);

/* 1 if any part of the box [lo, hi] may be in view. */
int camera_sees(const struct camera *c, const float lo[3], const float hi[3]);

#endif
