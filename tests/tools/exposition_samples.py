#!/usr/bin/python3
"""Parses an exposition from stdin with Debian's prometheus_client and prints its samples.

Usage: exposition_samples.py openmetrics|text < body

Prints one JSON list of {"family", "type", "name", "labels", "value"}, the value as a
string (so NaN and infinities survive JSON). The OpenMetrics parser is the strict one:
it rejects what the spec forbids (no "# EOF" at the end, a counter typed under its
_total name, a +Inf bucket that disagrees with _count, ...); the script then exits 1
with its message. tests/openmetrics.rs compares the samples of both formats.
"""
import json
import sys

from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse_openmetrics
from prometheus_client.parser import text_string_to_metric_families as parse_text


def main():
    fmt = sys.argv[1]
    parse = {"openmetrics": parse_openmetrics, "text": parse_text}[fmt]
    body = sys.stdin.read()
    out = []
    try:
        for family in parse(body):
            for s in family.samples:
                out.append({
                    "family": family.name,
                    "type": family.type,
                    "name": s.name,
                    "labels": s.labels,
                    "value": repr(float(s.value)),
                })
    except ValueError as e:
        print(f"invalid {fmt}: {e}", file=sys.stderr)
        sys.exit(1)
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
