// libsystemd's readiness and watchdog protocol (sd_notify) for Swift.
#ifndef DETECTD_CSYSTEMD_SHIM_H
#define DETECTD_CSYSTEMD_SHIM_H

#include <systemd/sd-daemon.h>

#endif
