"""The TAXII benchmark client (bench/taxii.sh runs it): the same
taxii2-client 2.3.0 code and the same data against countersign and
medallion 3.0.0. Prints times and ratios.

Usage: taxii_client.py OURS_URL OURS_TOKEN OURS_USER OURS_PASSWORD MEDALLION_URL MEDALLION_USER MEDALLION_PASSWORD

MEDALLION_URL "-" runs countersign alone (quick runs while tuning).
Also measures authenticated GETs per second on countersign, HTTP Basic
(argon2id, then the verification cache) against a bearer token.
"""

import json
import sys
import time
import uuid

import requests
from taxii2client.v21 import ApiRoot, as_pages

BATCHES, BATCH = 10, 1000
MEDALLION_PAGED = 2000  # medallion's first page is quadratic: keep it small


class Bearer(requests.auth.AuthBase):
    def __init__(self, token):
        self.token = token

    def __call__(self, r):
        r.headers["Authorization"] = "Bearer " + self.token
        return r


def indicators(n):
    return [
        {
            "type": "indicator",
            "spec_version": "2.1",
            "id": "indicator--" + str(uuid.uuid4()),
            "created": "2026-01-10T10:00:00.000Z",
            "modified": "2026-01-10T10:00:00.000Z",
            "name": "bench %d" % i,
            "pattern": "[ipv4-addr:value = '198.51.100.%d']" % (i % 250),
            "pattern_type": "stix",
            "valid_from": "2026-01-10T10:00:00Z",
        }
        for i in range(n)
    ]


def post(collection, objects):
    """POST in batches of BATCH; returns (total s, per-batch s)."""
    times = []
    for i in range(0, len(objects), BATCH):
        body = json.dumps({"objects": objects[i : i + BATCH]})
        t = time.perf_counter()
        status = collection.add_objects(body, wait_for_completion=False)
        times.append(time.perf_counter() - t)
        assert status.success_count == len(objects[i : i + BATCH]), status.success_count
    return sum(times), times


def page(collection, per_page=1000):
    """Pages through everything; returns (total s, first page s, count)."""
    t = time.perf_counter()
    first, count = None, 0
    for envelope in as_pages(collection.get_objects, per_request=per_page):
        if first is None:
            first = time.perf_counter() - t
        count += len(envelope.get("objects", []))
    return time.perf_counter() - t, first, count


def auth_rate(url, auth, seconds=2.0):
    """Authenticated GETs of the collections list per second, one
    keep-alive connection, for about `seconds`."""
    session = requests.Session()
    headers = {"Accept": "application/taxii+json;version=2.1"}
    n, t = 0, time.perf_counter()
    while time.perf_counter() - t < seconds:
        r = session.get(url + "/taxii2/api/collections/", auth=auth, headers=headers)
        assert r.status_code == 200, r.status_code
        n += 1
    return n / (time.perf_counter() - t)


def collections(url, **auth):
    root = ApiRoot(url, **auth)
    return {c.title: c for c in root.collections}, root


def main():
    ours_url, token, user, password, med_url, med_user, med_password = sys.argv[1:8]
    data = indicators(BATCHES * BATCH)

    ours, _ = collections(ours_url + "/taxii2/api/", auth=Bearer(token))
    green = ours["TLP:GREEN evidence"]
    o_post, o_batches = post(green, data)
    o_page, o_first, o_count = page(green)
    assert o_count == len(data), o_count
    basic_rate = auth_rate(ours_url, requests.auth.HTTPBasicAuth(user, password))
    bearer_rate = auth_rate(ours_url, Bearer(token))

    def fmt(times):
        return ", ".join("%.3f" % t for t in times)

    n = len(data)
    print("TAXII 2.1 benchmark: taxii2-client 2.3.0, indicators, 1,000 per request/page")
    print("POST %d in %d x %d" % (n, BATCHES, BATCH))
    print("  countersign  %7.3f s  (batches: %s)" % (o_post, fmt(o_batches)))
    if med_url == "-":
        print("GET all, 1,000 per page")
        print("  countersign  %7.3f s for %d objects (first page %.3f s)" % (o_page, o_count, o_first))
        ours_only_summary(o_post, o_page, basic_rate, bearer_rate)
        return

    med, _ = collections(med_url + "/api1/", user=med_user, password=med_password)
    m_post, m_batches = post(med["bench-post"], indicators(BATCHES * BATCH))
    curve = []
    paged = med["bench-page"]
    for size in range(BATCH, MEDALLION_PAGED + 1, BATCH):
        post(paged, indicators(BATCH))
        t = time.perf_counter()
        paged.get_objects(limit=1000)
        curve.append((size, time.perf_counter() - t))
    m_page, m_first, m_count = page(paged)
    assert m_count == MEDALLION_PAGED, m_count

    print("  medallion    %7.3f s  (batches: %s)" % (m_post, fmt(m_batches)))
    print("  ratio medallion/countersign: %.1fx" % (m_post / o_post))
    print("GET all, 1,000 per page")
    print("  countersign  %7.3f s for %d objects (first page %.3f s)" % (o_page, o_count, o_first))
    print("  medallion    %7.3f s for %d objects (first page %.3f s)" % (m_page, m_count, m_first))
    print("  medallion first page vs collection size: %s" % ", ".join("%dk %.2f s" % (s // 1000, t) for s, t in curve))
    rate_o, rate_m = o_count / o_page, m_count / m_page
    print("  objects/s: countersign %.0f at 10k, medallion %.0f at 2k; ratio %.0fx" % (rate_o, rate_m, rate_o / rate_m))
    ours_only_summary(o_post, o_page, basic_rate, bearer_rate)


def ours_only_summary(o_post, o_page, basic_rate, bearer_rate):
    print("authenticated GET /taxii2/api/collections/, one connection")
    print("  countersign  HTTP Basic %.0f/s, bearer token %.0f/s" % (basic_rate, bearer_rate))
    print("targets: POST <= 0.2 s: %s; paging 10,000 <= 0.5 s: %s" % (
        "met" if o_post <= 0.2 else "MISSED", "met" if o_page <= 0.5 else "MISSED"))


if __name__ == "__main__":
    main()
