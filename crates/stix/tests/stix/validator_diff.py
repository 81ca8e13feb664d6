"""Runs stix2-validator 3.2.0 over a list of test cases for the differential
test in validator_diff.rs.

Usage: validator_diff.py CASES.json
CASES.json is a list of {"name": ..., "bundle": {...}}. Prints one JSON list
of {"name", "valid", "errors"} in the same order; a case that makes the
validator raise is reported with valid null and the exception as its error.
"""

import json
import sys

from stix2validator import ValidationOptions, validate_instance


def main():
    cases = json.load(open(sys.argv[1]))
    # Defaults of the command line: STIX 2.1, SHOULD checks as warnings.
    options = ValidationOptions(version="2.1")
    out = []
    for case in cases:
        try:
            result = validate_instance(case["bundle"], options)
            out.append({
                "name": case["name"],
                "valid": bool(result.is_valid),
                "errors": [str(e) for e in result.errors],
            })
        except Exception as e:  # the validator's own crashes, reported as such
            out.append({"name": case["name"], "valid": None, "errors": [repr(e)]})
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
