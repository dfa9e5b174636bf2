#!/usr/bin/env python3
"""Validate sockbox --json output (JSON Lines) against sockbox.schema.json.

Usage: validate.py [--schema FILE] [--bench] [FILE]   (stdin without FILE)

Implements, with python3's standard library only, the part of JSON Schema
(draft 2020-12) that sockbox.schema.json uses: type (string or list),
required, properties, patternProperties, enum, const, minimum, maximum,
pattern, allOf, anyOf, oneOf and local $ref ("#/$defs/NAME").  Then the
stream rules of the schema's x-stream: the first line is "start", the
last is "summary" or "error", and a summary also matches the summary of
the start line's applet (--bench: the bench summary).

Prints nothing and exits 0 when the stream conforms; otherwise one line
per problem ("line N: path: what") and exits 1.
"""
import json
import os
import re
import sys

TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


class Validator:
    def __init__(self, schema):
        self.root = schema

    def resolve(self, ref):
        if not ref.startswith("#/"):
            raise ValueError("only local $ref is supported: " + ref)
        node = self.root
        for part in ref[2:].split("/"):
            node = node[part]
        return node

    def errors(self, v, s, path="$"):
        """A list of problems (empty when v conforms to s)."""
        out = []
        if "$ref" in s:
            out += self.errors(v, self.resolve(s["$ref"]), path)
        if "type" in s:
            types = s["type"] if isinstance(s["type"], list) else [s["type"]]
            if not any(TYPES[t](v) for t in types):
                return out + ["%s: %r is not %s" % (path, v, "/".join(types))]
        if "const" in s and not (v == s["const"] and type(v) is type(s["const"])):
            out.append("%s: %r is not %r" % (path, v, s["const"]))
        if "enum" in s and v not in s["enum"]:
            out.append("%s: %r is not one of %s" % (path, v, s["enum"]))
        if TYPES["number"](v):
            if "minimum" in s and v < s["minimum"]:
                out.append("%s: %r < %r" % (path, v, s["minimum"]))
            if "maximum" in s and v > s["maximum"]:
                out.append("%s: %r > %r" % (path, v, s["maximum"]))
        if isinstance(v, str) and "pattern" in s and not re.search(s["pattern"], v):
            out.append("%s: %r does not match %s" % (path, v, s["pattern"]))
        if isinstance(v, dict):
            for k in s.get("required", []):
                if k not in v:
                    out.append("%s: missing key %r" % (path, k))
            for k, sub in s.get("properties", {}).items():
                if k in v:
                    out += self.errors(v[k], sub, path + "." + k)
            for pat, sub in s.get("patternProperties", {}).items():
                for k in v:
                    if re.search(pat, k):
                        out += self.errors(v[k], sub, path + "." + k)
        for sub in s.get("allOf", []):
            out += self.errors(v, sub, path)
        if "anyOf" in s and not any(not self.errors(v, sub, path) for sub in s["anyOf"]):
            out.append("%s: matches none of anyOf" % path)
        if "oneOf" in s:
            res = [self.errors(v, sub, path) for sub in s["oneOf"]]
            n = sum(1 for r in res if not r)
            if n != 1:
                # the nearest miss says most: the branch with fewest problems
                best = min(res, key=len) if res else []
                out.append("%s: matches %d of oneOf%s" % (path, n,
                           (" (nearest: %s)" % "; ".join(best)) if n == 0 and best else ""))
        return out


def check_stream(lines, schema, bench=False):
    v = Validator(schema)
    stream = schema.get("x-stream", {})
    problems, objs = [], []
    for i, text in enumerate(lines, 1):
        try:
            o = json.loads(text)
        except ValueError as e:
            problems.append("line %d: not JSON: %s" % (i, e))
            continue
        objs.append((i, o))
        problems += ["line %d: %s" % (i, p) for p in v.errors(o, schema)]
    if not objs:
        return problems + ["no JSON lines at all"]
    first, last = objs[0][1], objs[-1][1]
    if isinstance(first, dict) and first.get("type") != stream.get("first", "start") \
            and first.get("type") != "error":
        problems.append("line 1: the first line is %r, not start" % first.get("type"))
    if isinstance(last, dict) and last.get("type") not in stream.get("last", []):
        problems.append("line %d: the last line is %r, not summary or error"
                        % (objs[-1][0], last.get("type")))
    applet = first.get("applet") if isinstance(first, dict) else None
    want = stream.get("bench-summary") if bench else \
        stream.get("summary-by-applet", {}).get(applet)
    for i, o in objs:
        if isinstance(o, dict) and o.get("type") == "summary" and want:
            problems += ["line %d: %s" % (i, p)
                         for p in v.errors(o, schema["$defs"][want])]
    return problems


def main(argv):
    schema_file = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                               "sockbox.schema.json")
    bench, files = False, []
    args = iter(argv)
    for a in args:
        if a == "--schema":
            schema_file = next(args)
        elif a == "--bench":
            bench = True
        else:
            files.append(a)
    with open(schema_file) as f:
        schema = json.load(f)
    text = open(files[0]).read() if files else sys.stdin.read()
    problems = check_stream([l for l in text.split("\n") if l.strip()], schema, bench)
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
