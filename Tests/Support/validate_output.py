"""Validates detectd's stdout against docs/output-schema.json.

Reads JSON lines on stdin; prints one line per problem ("line N: ...") and exits 1 if there is any, else prints
"ok N" (the number of lines) and exits 0. Needs the test venv (jsonschema).
"""
import json
import pathlib
import sys

import jsonschema


def main() -> int:
    schema_path = pathlib.Path(__file__).resolve().parents[2] / "docs" / "output-schema.json"
    validator = jsonschema.Draft202012Validator(json.loads(schema_path.read_text()))
    problems = 0
    count = 0
    for number, line in enumerate(sys.stdin, start=1):
        count += 1
        try:
            value = json.loads(line)
        except json.JSONDecodeError as error:
            print(f"line {number}: not JSON: {error}")
            problems += 1
            continue
        for error in validator.iter_errors(value):
            print(f"line {number}: {error.message}")
            problems += 1
    if problems:
        return 1
    print(f"ok {count}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
