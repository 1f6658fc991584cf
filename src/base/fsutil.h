/*
 * fsutil.h - small file-system helpers shared by the layers above.
 */
#ifndef ALC_FSUTIL_H
#define ALC_FSUTIL_H

struct alc_err;

/* fsyncs the directory holding path, so that a file just created or
 * renamed there survives a power cut.  0 or ALC_EIO (err names the
 * directory). */
int fs_fsync_parent(const char *path, struct alc_err *err);

#endif
