#include "base/fsutil.h"
#include "base/err.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int
fs_fsync_parent(const char *path, struct alc_err *err)
{
	char dir[PATH_MAX];
	char *slash;
	int fd, rc = 0;

	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return alc_err_set(err, ALC_EIO, "%s: cannot open directory: %s",
		    dir, strerror(errno));
	if (fsync(fd) != 0)
		rc = alc_err_set(err, ALC_EIO, "%s: fsync: %s", dir,
		    strerror(errno));
	close(fd);
	return rc;
}
