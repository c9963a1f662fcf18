/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * resource.Quantity parsing (k8s.io/apimachinery/pkg/api/resource).
 *
 * Grammar: <signedNumber><suffix>; number = [+-]digits[.digits] or [+-].digits; suffix = "" | decimal SI
 * (n u m k M G T P E) | binary (Ki Mi Gi Ti Pi Ei) | exponent (e|E)[+-]digits. Values are rounded up
 * (towards +infinity) to the unit asked for, as upstream's MilliValue()/Value() do.
 */

#include <stdbool.h>
#include <stdint.h>

#include "json-util.h"

/* Value in milli-units (e.g. "100m" → 100, "1" → 1000, "1Ki" → 1024000). -EINVAL bad syntax, -ERANGE overflow. */
int k8s_quantity_parse(const char *s, int64_t *ret_milli);
/* Non-negative value rounded up to an integer (e.g. "1Gi" → 1073741824, "0.5" → 1).
 * -EINVAL bad syntax or negative, -ERANGE overflow. */
int k8s_quantity_parse_bytes(const char *s, uint64_t *ret);
/* Integer value rounded up (like Quantity.Value()), may be negative. */
int k8s_quantity_parse_value(const char *s, int64_t *ret);

/* Canonical string of a milli-unit value, like Quantity.String() after canonicalization:
 *   binary=false (DecimalSI): largest SI suffix with an integer mantissa: 100m, 1, 1500m, 15k, 2M
 *   binary=true  (BinarySI):  largest power-of-1024 suffix with an integer mantissa: 128Mi, 1536Mi, 1Ki;
 *                             values below 1024 in magnitude or not integral fall back to DecimalSI, as upstream.
 * NULL on OOM. */
char *k8s_quantity_format(int64_t milli, bool binary);

/* A Quantity as found in a JSON object: a string, or a bare number (YAML `cpu: 2`, `memory: 0` arrive as
 * numbers, and upstream's Quantity.UnmarshalJSON accepts them). Doubles are printed with 15 significant
 * digits first, so 0.1 is 0.1 and not 0.1000000000000000055…  -EINVAL for other types / NULL. */
int k8s_quantity_from_json(json_object *v, int64_t *ret_milli);
int k8s_quantity_bytes_from_json(json_object *v, uint64_t *ret);
