// OpenBLAS' CBLAS interface (Debian: libopenblas-dev puts cblas.h on the include path).
// Only the declarations are used: dpl loads libopenblas at run time (see
// Sources/Tensor/BLAS.swift) so it can choose OpenBLAS' kernels before the library
// initialises.
#include <cblas.h>
