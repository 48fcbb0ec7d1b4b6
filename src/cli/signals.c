/* signals.c — turns SIGINT/SIGTERM into a request to stop at a clean point. The library polls
 * the flag (ap_ingest_options.stop) between batches and returns AP_ERR_INTERRUPTED with the store
 * consistent; the CLI maps that to exit status 4. A second signal is not caught: it ends the
 * program at once (SQLite's journal keeps the store consistent). */
#include "cli.h"

#include <signal.h>
#include <string.h>

/* The flag has to be written from a signal handler: sig_atomic_t, which is int on the platforms
 * we build for, so it can be the `volatile int *` the library API takes. */
_Static_assert(_Generic((sig_atomic_t)0, int: 1, default: 0), "sig_atomic_t must be int");

volatile sig_atomic_t cli_stop_requested;

static void on_stop_signal(int sig)
{
    (void)sig;
    cli_stop_requested = 1;
}

void cli_catch_stop_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sa.sa_flags = (int)SA_RESETHAND; /* the second signal gets the default action */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}
