// CBLAS from OpenBLAS (Debian: libopenblas-dev). OpenBLAS ships LAPACK too; Debian installs no
// LAPACK header with it, so the one LAPACK routine the suite uses is declared here (Fortran ABI).
#include <cblas.h>

void sgesvd_(const char *jobu, const char *jobvt, const int *m, const int *n, float *a, const int *lda,
             float *s, float *u, const int *ldu, float *vt, const int *ldvt, float *work, const int *lwork,
             int *info);
