// CBLAS and LAPACKE from OpenBLAS (Debian: libopenblas-dev). OpenBLAS ships LAPACK too.
#include <cblas.h>
