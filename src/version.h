#ifndef ALC_VERSION_H
#define ALC_VERSION_H
/* The release version; bumped when a release is tagged. */
#define ALCOVE_VERSION "0.1.0-dev"
#endif
