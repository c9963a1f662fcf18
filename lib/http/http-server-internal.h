/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Internal seam of http-server.c for the fuzzer and the unit tests: a connection without a socket.
 * Bytes go in through http_connection_feed(); everything the server would have sent is collected in
 * the connection's output buffer (see http_connection_output()) instead of being written anywhere.
 * Such a connection has no event sources: only its owner frees it, so handlers must answer
 * synchronously or keep the request until http_connection_free() aborts it. Parsing pauses while more
 * than 1 MiB of output is collected; clear it and feed again (even zero bytes) to go on.
 */

#include <stdbool.h>
#include <stddef.h>

#include "http-server.h"

typedef struct HttpConnection HttpConnection;

int http_connection_new_detached(HttpServer *s, HttpConnection **ret);
/* Parses data as if it had been read from the socket, dispatching complete requests to the server's
 * handler. Returns 0 while the connection is usable, -ECONNRESET once it would have been closed. */
int http_connection_feed(HttpConnection *c, const void *data, size_t len);
/* Collected output (detached connections only); reset with http_connection_output_clear(). */
const char *http_connection_output(HttpConnection *c, size_t *ret_len);
void http_connection_output_clear(HttpConnection *c);
/* Frees a connection; an outstanding request is aborted first (its abort handler runs). */
void http_connection_free(HttpConnection *c);
