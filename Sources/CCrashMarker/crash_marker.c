// A fatal signal while a thread runs plugin code appends that thread's label to a file.
// Everything the handler does is async-signal-safe: write(2), fsync(2), sigaction(2) and
// reads of this thread's own buffer.
#include "CCrashMarker.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#define LABEL_MAX 190

static const int fatal_signals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP};
#define SIGNAL_COUNT (sizeof fatal_signals / sizeof fatal_signals[0])

static volatile int marker_fd = -1;
static struct sigaction previous[SIGNAL_COUNT];
static int installed = 0;

static __thread char current_label[LABEL_MAX];
static __thread volatile size_t current_length = 0;

static size_t format_decimal(int value, char *out) {
    char digits[12];
    size_t n = 0;
    unsigned v = value < 0 ? 0u : (unsigned)value;
    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v && n < sizeof digits);
    for (size_t i = 0; i < n; i++) out[i] = digits[n - 1 - i];
    return n;
}

static void on_fatal_signal(int sig, siginfo_t *info, void *context) {
    (void)context;
    size_t length = current_length;
    int fd = marker_fd;
    if (length > 0 && fd >= 0) {
        char line[LABEL_MAX + 16];
        memcpy(line, current_label, length);
        line[length] = ' ';
        size_t n = length + 1 + format_decimal(sig, line + length + 1);
        line[n++] = '\n';
        ssize_t ignored = write(fd, line, n);
        (void)ignored;
        fsync(fd);
        current_length = 0;
    }
    // Hand the signal on: put the earlier handler (the Swift runtime's backtracer, or the
    // default action) back. A fault raised by the CPU happens again when this returns and
    // reaches it; anything else is raised again (blocked until this handler returns).
    for (size_t i = 0; i < SIGNAL_COUNT; i++) {
        if (fatal_signals[i] == sig) sigaction(sig, &previous[i], NULL);
    }
    if (info == NULL || info->si_code <= 0 || sig == SIGABRT || sig == SIGTRAP) raise(sig);
}

int synod_crash_marker_install(const char *path) {
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) return errno;
    int old = marker_fd;
    marker_fd = fd;
    if (old >= 0) close(old);
    if (installed) return 0;
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = on_fatal_signal;
    action.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&action.sa_mask);
    for (size_t i = 0; i < SIGNAL_COUNT; i++) {
        if (sigaction(fatal_signals[i], &action, &previous[i]) != 0) return errno;
    }
    installed = 1;
    return 0;
}

void synod_crash_marker_enter(const char *label, size_t length) {
    if (length > LABEL_MAX) length = LABEL_MAX;
    current_length = 0;
    memcpy(current_label, label, length);
    current_length = length;
}

void synod_crash_marker_leave(void) { current_length = 0; }
