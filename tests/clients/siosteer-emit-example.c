// SPDX-License-Identifier: MIT
/*
 * A C program emitting to Socket.IO clients with the siosteer emit API: what a C worker
 * does. Built and run by tests/ns/redis_emit.sh:
 *
 *   cc -Iinclude tests/clients/siosteer-emit-example.c build/libsiosteer_emit.a \
 *      -lhiredis -lmsgpackc -ljansson -lm -o emit-example
 *   ./emit-example redis://127.0.0.1:6379 ROOM EVENT JSON
 */
#include <stdio.h>
#include "siosteer_emit.h"

int main(int argc, char **argv)
{
	struct siosteer_emitter *e;
	char err[512];
	long n;

	if (argc != 5) {
		fprintf(stderr, "usage: %s REDIS_URL ROOM EVENT JSON\n", argv[0]);
		return 2;
	}
	if (siosteer_emitter_open(argv[1], NULL, 2.0, &e, err, sizeof(err))) {
		fprintf(stderr, "emit-example: %s\n", err);
		return 1;
	}
	const char *rooms[] = { argv[2] };
	const char *args[] = { argv[4] };
	struct siosteer_emit_target to = { .rooms = rooms, .nrooms = 1 };

	n = siosteer_emit(e, &to, argv[3], args, 1);
	if (n >= 0)
		n = siosteer_sockets_join(e, &to, (const char *[]){ "fromC" }, 1);
	if (n < 0)
		fprintf(stderr, "emit-example: %s\n", siosteer_emitter_error(e));
	else
		printf("emit-example: %ld servers\n", n);
	siosteer_emitter_close(e);
	return n < 0;
}
