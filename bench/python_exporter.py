#!/usr/bin/env python3
"""The baseline "what many teams write instead": a prometheus_client exporter holding the
same series as a captured /metrics file, served by prometheus_client's own HTTP server.

Usage: python_exporter.py PORT METRICS_FILE
"""
import sys
import time

from prometheus_client import start_http_server
from prometheus_client.core import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

PORT, PATH = int(sys.argv[1]), sys.argv[2]
with open(PATH) as f:
    FAMILIES = list(text_string_to_metric_families(f.read()))


class Fixed:
    def collect(self):
        return FAMILIES


for name in list(REGISTRY._names_to_collectors):  # drop the default process/platform/gc collectors
    try:
        REGISTRY.unregister(REGISTRY._names_to_collectors[name])
    except KeyError:
        pass
REGISTRY.register(Fixed())
start_http_server(PORT, addr="127.0.0.1")
while True:
    time.sleep(3600)
