#include "sckd_system.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t stop_signal = 0;
static volatile sig_atomic_t stop_count = 0;

static void on_stop(int sig) {
    stop_signal = sig;
    stop_count += 1;
    if (stop_count >= 3) {  // impatient user: give them the default action
        signal(sig, SIG_DFL);
        raise(sig);
    }
}

void sckd_install_stop_handlers(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;  // no SA_RESTART: blocking reads return EINTR and see the flag
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);  // a closed terminal or ssh session: finish cleanly, like SIGTERM
    signal(SIGPIPE, SIG_IGN);
}

int sckd_stop_signal(void) { return stop_signal; }
int sckd_stop_count(void) { return stop_count; }
void sckd_request_stop(int sig) { stop_signal = sig; }

#include <stdlib.h>

void sckd_reexec_with_default_env(const char *name, const char *value, char *const argv[]) {
    if (getenv(name) != NULL) return;
    if (setenv(name, value, 1) != 0) return;
    execv("/proc/self/exe", argv);
    /* exec failed: carry on with the settings we have */
}
