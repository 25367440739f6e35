#!/usr/bin/env python3
"""Validate Herald rule files against Grammar/herald.schema.json.

How to run (from the repository root; needs Python 3 with `jsonschema` and `PyYAML`):

    python3 Tests/schema/validate.py Rules                 # a rule set: every *.yaml / *.yml below it
    python3 Tests/schema/validate.py a.yaml b.yml dir/     # files and directories
    python3 Tests/schema/validate.py --self-test           # the schema's own fixtures (see below)
    python3 Tests/schema/validate.py --schema other.json PATH

Directories are searched recursively for *.yaml and *.yml, skipping *.test.yaml
(herald test files, not rule files). Each YAML document of a file is validated on
its own. Every failing file is listed with file:line:column of each problem, and
the last line is `N passed, N failed` (counted per file). Exit status: 0 when all
files pass, 1 when any fails, 2 on a usage error.

YAML is read as YAML 1.2 core, like Herald does: only true/false (True, TRUE, ...)
are booleans, so `on`, `off`, `yes`, `no` stay strings; `2026-12-25` is a string,
not a date; `012` is the integer 12. Merge keys (`<<`) are applied. A key written
twice in one mapping is reported as an error, as Herald does.

--self-test validates Tests/schema/valid/* (each must pass) and
Tests/schema/invalid/* (each must fail, and where the file has a line
`# schema-error: /json/pointer`, some error must be at that pointer).
"""

import argparse
import json
import math
import os
import re
import sys

import jsonschema
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DEFAULT_SCHEMA = os.path.join(ROOT, "Grammar", "herald.schema.json")


class Yaml12Loader(yaml.SafeLoader):
    """A SafeLoader that resolves plain scalars by the YAML 1.2 core schema."""


Yaml12Loader.yaml_implicit_resolvers = {}
for _tag, _pattern, _first in [
    ("null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", list("tTfF")),
    ("int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", list("-+0123456789")),
    (
        "float",
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        list("-+0123456789."),
    ),
    ("merge", r"^<<$", ["<"]),
]:
    Yaml12Loader.add_implicit_resolver("tag:yaml.org,2002:" + _tag, re.compile(_pattern), _first)


def _construct_bool(loader, node):
    return loader.construct_scalar(node).lower() == "true"


def _construct_int(loader, node):
    text = loader.construct_scalar(node)
    if text.startswith("0o"):
        return int(text[2:], 8)
    if text.startswith("0x"):
        return int(text[2:], 16)
    return int(text, 10)


def _construct_float(loader, node):
    text = loader.construct_scalar(node).lower()
    if text.endswith(".inf"):
        return -math.inf if text.startswith("-") else math.inf
    if text.endswith(".nan"):
        return math.nan
    return float(text)


Yaml12Loader.add_constructor("tag:yaml.org,2002:bool", _construct_bool)
Yaml12Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)
Yaml12Loader.add_constructor("tag:yaml.org,2002:float", _construct_float)


def _jsonable(value):
    """Plain JSON data: mapping keys become their text, as Herald reads them."""
    if isinstance(value, dict):
        result = {}
        for key, item in value.items():
            if isinstance(key, bool):
                key = "true" if key else "false"
            elif key is None:
                key = ""
            result[str(key)] = _jsonable(item)
        return result
    if isinstance(value, list):
        return [_jsonable(item) for item in value]
    return value


def _duplicate_keys(root):
    """(message, mark) for each scalar key written twice in one mapping."""
    found, seen_nodes, stack = [], set(), [root]
    while stack:
        node = stack.pop()
        if id(node) in seen_nodes:
            continue
        seen_nodes.add(id(node))
        if isinstance(node, yaml.MappingNode):
            keys = set()
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.tag != "tag:yaml.org,2002:merge":
                    if key.value in keys:
                        found.append(("duplicate key '%s'" % key.value, key.start_mark))
                    keys.add(key.value)
                stack.extend([key, value])
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return found


def _mark_at(node, path):
    """The start mark of the node at a JSON path (merged mappings included)."""
    for step in path:
        if isinstance(node, yaml.MappingNode):
            matches = [v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == str(step)]
            if not matches:
                break
            node = matches[-1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
            node = node.value[step]
        else:
            break
    return node.start_mark


def _pointer(path):
    return "/" + "/".join(str(step).replace("~", "~0").replace("/", "~1") for step in path)


def _best_errors(error, data):
    """The leaves of an error tree as (path, message), so that oneOf/anyOf
    failures name the real cause: of the alternatives, the one that got
    furthest into the document, preferring one whose type matched."""
    if not error.context:
        return [_locate_false_schema(error, data)]
    by_branch = {}
    for sub in error.context:
        by_branch.setdefault(sub.schema_path[0] if sub.schema_path else 0, []).append(sub)

    def rank(branch):
        leaves = [leaf for sub in branch for leaf in _best_errors(sub, data)]
        depth = max(len(path) for path, _ in leaves)
        type_matched = all(sub.validator not in ("type", "enum", "const") for sub in branch)
        return (depth, type_matched), leaves

    return max((rank(branch) for branch in by_branch.values()), key=lambda ranked: ranked[0])[1]


def _locate_false_schema(leaf, data):
    """jsonschema reports a `false` property schema at the object, not the
    property: find the property (the value is the very same object) and name it."""
    if leaf.validator is not None or not leaf.message.startswith("False schema"):
        return list(leaf.absolute_path), leaf.message
    parent = data
    for step in leaf.absolute_path:
        try:
            parent = parent[step]
        except (KeyError, IndexError, TypeError):
            return list(leaf.absolute_path), leaf.message
    if isinstance(parent, dict):
        for key, value in parent.items():
            if value is leaf.instance:
                return list(leaf.absolute_path) + [key], "key '%s' is not allowed here" % key
    return list(leaf.absolute_path), leaf.message


def check_file(path, validator):
    """[(line, column, pointer, message)] for one file; empty when it is valid."""
    problems = []
    try:
        with open(path, "rb") as handle:
            text = handle.read().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        return [(1, 1, "", "cannot read: %s" % error)]
    loader = Yaml12Loader(text)
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            for message, mark in _duplicate_keys(node):
                problems.append((mark.line + 1, mark.column + 1, "", message))
            data = _jsonable(loader.construct_document(node))
            for error in validator.iter_errors(data):
                for where, message in _best_errors(error, data):
                    mark = _mark_at(node, where)
                    problems.append((mark.line + 1, mark.column + 1, _pointer(where), message))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problems.append((line, column, "", "YAML: %s" % getattr(error, "problem", error)))
    finally:
        loader.dispose()
    return sorted(set(problems))


def rule_files(paths):
    """The YAML rule files named by `paths`, directories expanded, in path order."""
    files = []
    for path in paths:
        if os.path.isdir(path):
            for directory, subdirectories, names in os.walk(path):
                subdirectories[:] = sorted(d for d in subdirectories if not d.startswith("."))
                for name in sorted(names):
                    if name.endswith((".yaml", ".yml")) and not name.endswith(".test.yaml"):
                        files.append(os.path.join(directory, name))
        else:
            files.append(path)
    return files


def load_validator(schema_path):
    with open(schema_path, encoding="utf-8") as handle:
        schema = json.load(handle)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def validate_paths(paths, validator):
    passed = failed = 0
    for path in rule_files(paths):
        problems = check_file(path, validator)
        if problems:
            failed += 1
            for line, column, pointer, message in problems:
                where = " (at %s)" % pointer if pointer else ""
                print("%s:%d:%d: %s%s" % (path, line, column, message, where))
        else:
            passed += 1
    return passed, failed


def self_test(validator):
    passed = failed = 0
    for path in rule_files([os.path.join(HERE, "valid")]):
        problems = check_file(path, validator)
        if problems:
            failed += 1
            for line, column, pointer, message in problems:
                print("%s:%d:%d: expected valid: %s (at %s)" % (path, line, column, message, pointer))
        else:
            passed += 1
    for path in rule_files([os.path.join(HERE, "invalid")]):
        with open(path, encoding="utf-8") as handle:
            wanted = re.findall(r"^# schema-error: (\S+)", handle.read(), re.M)
        problems = check_file(path, validator)
        pointers = {pointer for _, _, pointer, _ in problems}
        missing = [p for p in wanted if p not in pointers]
        if not problems:
            failed += 1
            print("%s: expected a schema error, got none" % path)
        elif missing:
            failed += 1
            print("%s: expected an error at %s, got: %s" % (path, ", ".join(missing), sorted(pointers)))
        else:
            passed += 1
    return passed, failed


def main(argv):
    parser = argparse.ArgumentParser(description="Validate Herald rule files against the JSON Schema.")
    parser.add_argument("paths", nargs="*", help="YAML files or directories")
    parser.add_argument("--schema", default=DEFAULT_SCHEMA, help="schema file (default: Grammar/herald.schema.json)")
    parser.add_argument("--self-test", action="store_true", help="check the schema against Tests/schema fixtures")
    args = parser.parse_args(argv)
    if not args.paths and not args.self_test:
        parser.error("give at least one PATH, or --self-test")
    missing = [p for p in args.paths if not os.path.exists(p)]
    if missing:
        parser.error("no such file or directory: %s" % ", ".join(missing))
    validator = load_validator(args.schema)
    passed = failed = 0
    if args.self_test:
        passed, failed = self_test(validator)
    if args.paths:
        p, f = validate_paths(args.paths, validator)
        passed, failed = passed + p, failed + f
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
