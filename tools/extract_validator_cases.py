#!/usr/bin/env python3
"""Print the observed extra-spec PUTs of real Nova as a Rust test table.

Reads the recorded requests (a JSON object whose "records" list has the
request and response of each call) and keeps every PUT to
/v2.1/.../os-extra_specs/{key} sent at microversion 2.86 or later. Each row is
(key, value, expected) for the pair in the request body, where expected is
Ok(()) for a 200 and Err(message) for a 400 raised by the validator. The body
key is used even when it differs from the URL key, because Nova validates the
body before it checks that the two agree. JSON numbers become strings as
Python's str() writes them. Rows that repeat an earlier row are left out.

Usage: python3 tools/extract_validator_cases.py tests/data/nova-observed.json > cases.rs
"""

import json
import sys
from urllib.parse import unquote, urlsplit

MIN_MICROVERSION = (2, 86)


def microversion(headers):
    """Return the requested compute microversion as a tuple, or None."""
    text = headers.get("OpenStack-API-Version") or headers.get("X-OpenStack-Nova-API-Version")
    if not text:
        return None
    number = text.split()[-1]
    major, _, minor = number.partition(".")
    return (int(major), int(minor))


def rust_str(text):
    """Return text as a Rust string literal, raw when it contains backslashes."""
    printable = all(0x20 <= ord(character) < 0x7F for character in text)
    if printable and "\\" in text and '"' not in text:
        return 'r"' + text + '"'
    parts = []
    for character in text:
        if character == "\\":
            parts.append("\\\\")
        elif character == '"':
            parts.append('\\"')
        elif 0x20 <= ord(character) < 0x7F:
            parts.append(character)
        else:
            parts.append("\\u{%x}" % ord(character))
    return '"' + "".join(parts) + '"'


def case_rows(records):
    """Yield (URL key, key, value, expected message or None) for each usable record."""
    for index, record in enumerate(records):
        label = record["label"]
        if record["method"] != "PUT" or "/os-extra_specs/" not in record["path"]:
            continue
        if not record["path"].startswith("/v2.1/"):
            # The legacy /v2 endpoint never runs the validators.
            continue
        version = microversion(record["request_headers"])
        if version is None or version < MIN_MICROVERSION:
            continue
        body = json.loads(record["request_body"])
        if len(body) != 1:
            print(f"skipped record {index} ({label}): body has {len(body)} keys", file=sys.stderr)
            continue
        ((key, raw_value),) = body.items()
        url_key = unquote(urlsplit(record["path"]).path.rsplit("/os-extra_specs/", 1)[1])
        value = raw_value if isinstance(raw_value, str) else str(raw_value)
        if record["status"] == 200:
            yield url_key, key, value, None
            continue
        if record["status"] != 400:
            print(f"skipped record {index} ({label}): status {record['status']}", file=sys.stderr)
            continue
        message = json.loads(record["response_body"])["badRequest"]["message"]
        if not message.startswith("Validation failed; "):
            print(f"skipped record {index} ({label}): {message}", file=sys.stderr)
            continue
        yield url_key, key, value, message


def main():
    if len(sys.argv) != 2:
        raise SystemExit(__doc__.strip().splitlines()[-1])
    with open(sys.argv[1], encoding="utf-8") as handle:
        records = json.load(handle)["records"]
    seen = set()
    print("const OBSERVED_CASES: &[(&str, &str, Result<(), &str>)] = &[")
    for url_key, key, value, message in case_rows(records):
        if (key, value, message) in seen:
            continue
        seen.add((key, value, message))
        expected = "Ok(())" if message is None else f"Err({rust_str(message)})"
        if url_key != key:
            print(f"    // The URL names {url_key}, but Nova validates the body before comparing.")
        print(f"    ({rust_str(key)}, {rust_str(value)}, {expected}),")
    print("];")


if __name__ == "__main__":
    main()
