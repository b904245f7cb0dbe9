// Records which plugin version was running when the process died of a fatal signal, so
// the next start can quarantine it. Signal handlers can only be written in C: this is
// the whole of it. See SubnetHost's CrashMarker for the Swift side.
#ifndef CCRASHMARKER_H
#define CCRASHMARKER_H
#include <stddef.h>

/// Opens (creating, appending) the marker file and installs handlers for SIGSEGV, SIGBUS,
/// SIGILL, SIGFPE, SIGABRT and SIGTRAP that chain to the handlers installed before them.
/// Returns 0, or an errno value. Calling it again switches to the new file.
int synod_crash_marker_install(const char *path);

/// Marks the calling thread as running `label` (at most 190 bytes are kept) until
/// `synod_crash_marker_leave`. A fatal signal on this thread meanwhile appends
/// "<label> <signal>\n" to the marker file before the process dies.
void synod_crash_marker_enter(const char *label, size_t length);

/// The calling thread no longer runs a plugin.
void synod_crash_marker_leave(void);

#endif
