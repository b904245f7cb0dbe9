// Debian's libopenblas-dev: the CBLAS interface (cblas_sgemm, cblas_sgemv).
#include <cblas.h>
