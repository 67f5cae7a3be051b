// oneDNN 2.6 (Debian's libdnnl-dev) for Swift: the C API, nothing else.
#ifndef DETECTD_CDNNL_SHIM_H
#define DETECTD_CDNNL_SHIM_H

#include <oneapi/dnnl/dnnl.h>

#endif
