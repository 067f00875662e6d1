#ifndef EDGETAIL_CSYSTEMD_SHIM_H
#define EDGETAIL_CSYSTEMD_SHIM_H
#include <systemd/sd-journal.h>
#endif
