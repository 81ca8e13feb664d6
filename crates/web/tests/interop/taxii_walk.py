"""Interop: taxii2-client 2.3.0 walks every endpoint of a running
countersign TAXII 2.1 server, and stix2-validator 3.2.0 checks every STIX
object the server serves.

Usage: taxii_walk.py BASE_URL USER PASSWORD [walk|validate-only]

`walk` adds objects to the TLP:GREEN collection and exercises every
endpoint, then validates; `validate-only` reads every collection (as this
user may see them) and validates. Prints a summary line and exits 1 on
any failure, listing every failure.
"""

import json
import sys
import uuid

import stix2
from requests.exceptions import HTTPError
from stix2validator import ValidationOptions, validate_instance
from taxii2client.v21 import ApiRoot, Server, as_pages

TAXII = "application/taxii+json;version=2.1"
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)


def walk(base, user, password):
    server = Server(base + "/taxii2/", user=user, password=password)
    check(server.title, "discovery has a title")
    check(len(server.api_roots) == 1, "one API root")
    root = server.default
    check(root is not None, "a default API root")
    check(TAXII in root.versions, "API root versions list the media type: %r" % root.versions)
    by_alias = {c.alias: c for c in root.collections}
    check(len(by_alias) == 5, "five collections: %r" % list(by_alias))
    green = by_alias["tlp-green"]
    check(green.can_read and green.can_write, "green is readable and writable")

    # Add: 250 indicators, one of them in two versions.
    run = uuid.uuid4().hex[:8]
    indicators = [
        stix2.Indicator(
            name="interop %s %d" % (run, i),
            pattern="[ipv4-addr:value = '203.0.113.%d']" % (i % 250),
            pattern_type="stix",
            valid_from="2026-01-10T10:00:00Z",
        )
        for i in range(250)
    ]
    newer = indicators[0].new_version(name="interop %s 0 revised" % run)
    envelope = {"objects": [json.loads(i.serialize()) for i in indicators]}
    status = green.add_objects(envelope, wait_for_completion=True)
    check(status.status == "complete", "status complete: %s" % status.status)
    check(status.success_count == 250, "250 successes: %s" % status.success_count)
    status2 = green.add_objects({"objects": [json.loads(newer.serialize())]})
    check(status2.success_count == 1, "new version added")
    again = root.get_status(status.id)
    check(again.id == status.id and again.total_count == 250, "status resource readable")

    # Objects, paged by 100 through `next`, filtered to this run's type.
    ids = set()
    seen = []
    for page in as_pages(green.get_objects, per_request=100, type="indicator"):
        for o in page.get("objects", []):
            seen.append(o["id"])
            ids.add(o["id"])
    mine = {i.id for i in indicators}
    check(mine <= ids, "every added indicator is listed (%d of %d)" % (len(mine & ids), len(mine)))
    check(len(seen) == len(set(seen)), "no duplicates across pages")

    # Filters.
    one = green.get_objects(id=indicators[0].id, version="all")
    check(len(one["objects"]) == 2, "two versions with version=all: %d" % len(one.get("objects", [])))
    last = green.get_objects(id=indicators[0].id)
    check(last["objects"][0]["name"].endswith("revised"), "last version by default")
    first = green.get_objects(id=indicators[0].id, version="first")
    check(not first["objects"][0]["name"].endswith("revised"), "version=first")
    future = green.get_objects(added_after="2100-01-01T00:00:00Z")
    check(not future.get("objects"), "added_after in the future gives nothing")
    check(not green.get_objects(type="malware").get("objects"), "type filter")
    check(green.get_objects(spec_version="2.1", id=indicators[1].id)["objects"], "spec_version filter")

    # Manifest, paged.
    manifest_ids = []
    for page in as_pages(green.get_manifest, per_request=100, type="indicator"):
        for m in page.get("objects", []):
            manifest_ids.append(m["id"])
            check(m["media_type"] == "application/stix+json;version=2.1", "manifest media type")
    check(mine <= set(manifest_ids), "manifest lists every indicator")
    check(len(manifest_ids) == len(set(manifest_ids)), "manifest pages without duplicates")

    # Versions, object, delete.
    versions = green.object_versions(indicators[0].id)
    check(len(versions["versions"]) == 2, "two versions: %r" % versions)
    obj = green.get_object(indicators[1].id)
    check(obj["objects"][0]["id"] == indicators[1].id, "get object")
    green.delete_object(indicators[1].id)
    try:
        green.get_object(indicators[1].id)
        failures.append("deleted object still readable")
    except HTTPError as e:
        check(e.response.status_code == 404, "404 after delete: %s" % e.response.status_code)
    return root


def validate_all(base, user, password):
    root = ApiRoot(base + "/taxii2/api/", user=user, password=password)
    options = ValidationOptions(version="2.1")
    count = 0
    for c in root.collections:
        for page in as_pages(c.get_objects, per_request=1000, version="all"):
            for o in page.get("objects", []):
                count += 1
                result = validate_instance(o, options)
                if not result.is_valid:
                    failures.append(
                        "%s in %s is not valid STIX 2.1: %s"
                        % (o.get("id"), c.alias, "; ".join(str(e) for e in result.errors))
                    )
                try:
                    stix2.parse(o, allow_custom=True)
                except Exception as e:  # noqa: BLE001 - report every failure
                    failures.append("%s does not parse with stix2: %s" % (o.get("id"), e))
    return count


def main():
    base, user, password = sys.argv[1], sys.argv[2], sys.argv[3]
    mode = sys.argv[4] if len(sys.argv) > 4 else "walk"
    if mode == "walk":
        walk(base, user, password)
    count = validate_all(base, user, password)
    if failures:
        print("%d interop failures:" % len(failures))
        for f in failures:
            print(" -", f)
        sys.exit(1)
    print("interop ok: %s, %d objects valid per stix2-validator 3.2.0" % (mode, count))


if __name__ == "__main__":
    main()
