#!/usr/bin/env python3
"""A loopback mock of the Exotel/Ameyo User Monitoring API serving a large, fixed
contact center: SOURCES contact centers (cc_id 1..SOURCES), each with AGENTS agents spread
over QUEUES campaigns. Used by bench/scrape.sh to load the exporter with a big snapshot.

Usage: mock_exotel.py PORT SOURCES AGENTS_PER_SOURCE QUEUES_PER_SOURCE
"""
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse, parse_qs

PORT, SOURCES, AGENTS, QUEUES = (int(a) for a in sys.argv[1:5])
STATES = ["Ready", "On Call", "Wrap-up", "Break", "Not Ready", "Ringing"]
CHANNELS = ["VOICE", "CHAT", "EMAIL"]


def sessions(cc):
    rows = []
    for i in range(AGENTS):
        q = i % QUEUES
        rows.append({"data": {
            "contact_center_id": cc, "user_id": f"cc{cc}-u{i}", "user_name": f"User {i}",
            "user_status": STATES[i % len(STATES)], "user_status_duration": (i * 7) % 900,
            "campaign_id": q, "campaign_name": f"cc{cc}-campaign-{q:03d}",
            "channel_details": {"channel_type": CHANNELS[q % len(CHANNELS)]}, "waiting": False}})
    return rows


def customers(cc):
    return [{"data": {"campaign_id": q, "campaign_name": f"cc{cc}-campaign-{q:03d}",
                      "channel_details": {"channel_type": CHANNELS[q % len(CHANNELS)]},
                      "interaction_id": f"cc{cc}-i{q}", "customer_status": "connected",
                      "customer_status_duration": 5 + q, "waiting": True}}
            for q in range(QUEUES)]


DATA = {cc: {"user-session-information": sessions(cc), "customer-information": customers(cc)}
        for cc in range(1, SOURCES + 1)}


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        u = urlparse(self.path)
        q = parse_qs(u.query)
        parts = u.path.split("/")
        try:
            cc = int(parts[3])
            rows = DATA[cc][q["table-name"][0]]
        except (IndexError, KeyError, ValueError):
            self.send_response(404)
            self.end_headers()
            return
        offset, limit = int(q.get("offset", ["0"])[0]), int(q.get("limit", ["100"])[0])
        page = rows[offset:offset + limit]
        body = json.dumps({"response": page, "metadata": {
            "total": len(rows), "count": len(page), "offset": offset, "limit": limit}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
