/* A static `sleep SECONDS` for the app image's preStop hook.
 *
 * The runtime image holds no shell: only the static `todo` binary, CA certificates and this.
 * Kubernetes runs the preStop hook before SIGTERM, so the pod keeps serving while kube-proxy
 * and ingress controllers drop it from their endpoints; rollouts then lose no request.
 * (Kubernetes >= 1.30 has `lifecycle.preStop.sleep`; the chart uses this for older ones.) */
#include <stdlib.h>
#include <time.h>
#include <errno.h>

int main(int argc, char **argv) {
    long s = argc > 1 ? strtol(argv[1], NULL, 10) : 1;
    struct timespec t = { .tv_sec = s < 0 ? 0 : s, .tv_nsec = 0 };
    while (nanosleep(&t, &t) == -1 && errno == EINTR) {}
    return 0;
}
