/* netcheck HOST PORT — resolve HOST with the C library's resolver (so the pod's resolv.conf
 * search list applies, as it does for applications) and open a TCP connection to PORT.
 * Built static into the e2e base image: busybox's own wget/nc crash on name lookups there. */
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <arpa/inet.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: netcheck HOST PORT\n"); return 2; }
    struct addrinfo hints, *res, *ai;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    int rc = getaddrinfo(argv[1], argv[2], &hints, &res);
    if (rc != 0) { fprintf(stderr, "%s: %s\n", argv[1], gai_strerror(rc)); return 1; }
    for (ai = res; ai; ai = ai->ai_next) {
        char ip[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, &((struct sockaddr_in *)ai->ai_addr)->sin_addr, ip, sizeof ip);
        int fd = socket(ai->ai_family, ai->ai_socktype, 0);
        struct timeval tv = { .tv_sec = 5 };
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
            printf("%s -> %s:%s connected\n", argv[1], ip, argv[2]);
            close(fd); freeaddrinfo(res); return 0;
        }
        fprintf(stderr, "%s -> %s:%s: connect failed\n", argv[1], ip, argv[2]);
        if (fd >= 0) close(fd);
    }
    freeaddrinfo(res);
    return 1;
}
