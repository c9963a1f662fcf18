/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Small Kubernetes-flavoured helpers: Go-compatible bool parsing, RFC 3339 timestamps, kubectl's
 * human-readable ages, generateName suffixes and UIDs.
 */

#include <stdbool.h>
#include <stdint.h>

/* Exactly Go's strconv.ParseBool: 1 t T TRUE true True / 0 f F FALSE false False; else -EINVAL. */
int k8s_parse_bool(const char *s, bool *ret);

/* "2026-11-22T07:40:00Z" (seconds precision, UTC, metav1.Time). NULL on OOM. */
char *k8s_format_rfc3339(uint64_t usec_realtime);
/* "2026-11-22T07:40:00.123456789Z" with trailing zeros trimmed, like Go's RFC3339Nano (metav1.MicroTime
 * uses a fixed 6 digits: see k8s_format_rfc3339_micro). */
char *k8s_format_rfc3339_nano(uint64_t nsec_realtime);
/* "2026-11-22T07:40:00.123456Z", fixed 6 fractional digits (metav1.MicroTime). */
char *k8s_format_rfc3339_micro(uint64_t usec_realtime);
/* Parse RFC 3339 ("Z" or ±hh:mm offset, optional fraction of up to 9 digits truncated to µs).
 * 0 or -EINVAL (also for times before 1970 / after year 9999). */
int k8s_parse_rfc3339(const char *s, uint64_t *ret_usec);

/* apimachinery's duration.HumanDuration (kubectl AGE column), e.g. "59s", "2m30s", "5h", "3d4h", "2y". */
char *k8s_human_duration_signed(int64_t usec);
char *k8s_human_duration(uint64_t usec);

/* 5 characters from "bcdfghjklmnpqrstvwxz2456789" (utilrand.String), NUL-terminated in ret[5] — note
 * ret must hold 6 bytes. 0 or negative errno from getrandom(). */
int k8s_generate_name_suffix(char ret[static 6]);
/* Random RFC 4122 v4 UUID, lower case, NUL-terminated. */
int k8s_new_uid(char ret[static 37]);
