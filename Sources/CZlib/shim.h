// zlib, for gzip-compressed NIfTI volumes (.nii.gz).
#include <zlib.h>
