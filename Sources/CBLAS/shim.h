// OpenBLAS' CBLAS interface (Debian: libopenblas-dev puts cblas.h on the include path).
#include <cblas.h>
