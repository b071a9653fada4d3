#!/usr/bin/env python3
"""Finds import circles between the modules of one Rust crate.

Usage: scripts/import-circles.py CRATE/src

A module is a source file, named by its path under `src` without the extension (`storage/sqlite`
for `storage/sqlite.rs` or `storage/sqlite/mod.rs`). Module A depends on module B when A's code
names B through the crate's own paths: `use crate::b::…`, `use super::…`, `use self::…`, groups
such as `use crate::{a, b::c}`, inline paths such as `crate::b::f()` or `super::x::Y`, and paths
that start with a child module's name (`pool::Lease`). A path is mapped to the deepest module
that exists (`crate::storage::Storage` is the module `storage`). The crate roots (`lib.rs`,
`main.rs`) are left out, and so are a parent's `pub use` re-exports of its own children. A
unit-test module (`#[cfg(test)] mod tests { … }`) counts as a child module of its own, so its
imports are not its file's.

Prints every circle (a strongly connected component of more than one module) with the imports
that close it, and exits 1 when there is any; prints nothing and exits 0 otherwise.
"""

import os
import re
import sys
from collections import defaultdict

ROOTS = {"lib", "main"}


def modules_of(src):
    """Module name -> file path, for every `.rs` file under `src`."""
    found = {}
    for folder, _, files in os.walk(src):
        for name in files:
            if not name.endswith(".rs"):
                continue
            path = os.path.join(folder, name)
            rel = os.path.relpath(path, src)[: -len(".rs")].replace(os.sep, "/")
            if rel.endswith("/mod"):
                rel = rel[: -len("/mod")]
            found[rel] = path
    return found


def strip(text):
    """The code without comments, string literals and char literals (newlines kept)."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            depth, i = 1, i + 2
            while i < n and depth:
                if text.startswith("/*", i):
                    depth, i = depth + 1, i + 2
                elif text.startswith("*/", i):
                    depth, i = depth - 1, i + 2
                else:
                    if text[i] == "\n":
                        out.append("\n")
                    i += 1
        elif c in "rb" and re.match(r"(br|r|b)?#*\"", text[i:i + 40]) and (
            i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")
        ):
            m = re.match(r"(br|r|b)?(#*)\"", text[i:])
            raw = "r" in (m.group(1) or "")
            hashes = m.group(2)
            i += m.end()
            end = '"' + hashes
            while i < n:
                if not raw and text[i] == "\\":
                    i += 2
                    continue
                if text.startswith(end, i):
                    i += len(end)
                    break
                if text[i] == "\n":
                    out.append("\n")
                i += 1
            out.append('""')
        elif c == '"':
            i += 1
            while i < n and text[i] != '"':
                if text[i] == "\\":
                    i += 1
                elif text[i] == "\n":
                    out.append("\n")
                i += 1
            i += 1
            out.append('""')
        elif c == "'":
            m = re.match(r"'(\\(x[0-9a-fA-F]{2}|u\{[0-9a-fA-F]+\}|.)|[^\\'])'", text[i:], re.S)
            if m:
                i += m.end()
                out.append("' '")
            else:  # a lifetime
                out.append(c)
                i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def expand_use(tree):
    """`a::{b, c::{d, e}}` -> ['a::b', 'a::c::d', 'a::c::e']."""
    tree = re.sub(r"\s+", "", tree)
    tree = re.sub(r"\bas\w+", "", tree)  # `Xas Y` after the spaces went: drop the alias
    return _expand(tree)


def _expand(tree):
    depth = 0
    for k, ch in enumerate(tree):
        if ch == "{":
            if depth == 0:
                prefix = tree[:k]
                inner, rest = _group(tree[k:])
                return [prefix + p for p in split_top(inner) for p in _expand(p)] + (
                    [] if not rest else _expand(rest)
                )
            depth += 1
        elif ch == "}":
            depth -= 1
    return [tree] if tree else []


def _group(tree):
    depth = 0
    for k, ch in enumerate(tree):
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return tree[1:k], tree[k + 1:]
    return tree[1:], ""


def split_top(inner):
    parts, depth, start = [], 0, 0
    for k, ch in enumerate(inner):
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(inner[start:k])
            start = k + 1
    parts.append(inner[start:])
    return [p for p in parts if p]


class File:
    def __init__(self, module, code, modules):
        self.module = module
        self.code = code
        self.modules = modules
        # Inline `mod name {` blocks: (start offset, end offset, module path as a list).
        self.inline = []
        for m in re.finditer(r"\bmod\s+(\w+)\s*\{", code):
            depth, k = 0, m.end() - 1
            while k < len(code):
                if code[k] == "{":
                    depth += 1
                elif code[k] == "}":
                    depth -= 1
                    if depth == 0:
                        break
                k += 1
            before = code[max(0, m.start() - 120):m.start()]
            is_test = re.search(r"#\[cfg\(test\)\]\s*(pub(\([^)]*\))?\s*)?$", before) is not None
            self.inline.append((m.start(), k, m.group(1), is_test))

    def scope_at(self, offset):
        """The module path (segments) the code at `offset` is in."""
        path = self.module.split("/") if self.module else []
        for start, end, name, _ in self.inline:
            if start <= offset <= end:
                path = path + [name]
        return path

    def source_at(self, offset):
        """The node an import at `offset` counts for: the file's module, or the unit-test
        module (`#[cfg(test)] mod tests { … }`) it sits in, which is a child of its own: tests
        may use test helpers that use the module under test."""
        for start, end, name, is_test in self.inline:
            if is_test and start <= offset <= end:
                return f"{self.module}/{name}" if self.module else name
        return self.module

    def resolve(self, segments, offset):
        """A path's segments -> the module it names, or None for the root or outside."""
        scope = self.scope_at(offset)
        first = segments[0]
        if first == "crate":
            base, rest = [], segments[1:]
        elif first in ("super", "self"):
            base, rest = list(scope), list(segments)
            while rest and rest[0] in ("super", "self"):
                if rest.pop(0) == "super":
                    base = base[:-1]
        else:
            base, rest = list(scope), list(segments)
            if "/".join(base + [first]) not in self.modules:
                return None
        path = base + rest
        # The deepest existing module that the path goes through.
        for k in range(len(path), 0, -1):
            name = "/".join(path[:k])
            if name in self.modules:
                return name
        return None


def edges_of(module, path, modules):
    text = open(path, encoding="utf-8").read()
    code = strip(text)
    f = File(module, code, modules)
    found = []  # (source, target, line, text)

    def line_of(offset):
        return code.count("\n", 0, offset) + 1

    use_spans = []
    for m in re.finditer(r"(\bpub(\s*\([^)]*\))?\s+)?\buse\s+([^;]+);", code):
        use_spans.append((m.start(), m.end()))
        reexport = m.group(1) is not None
        for p in expand_use(m.group(3)):
            segments = [s for s in p.lstrip(":").split("::") if s and s != "*"]
            if not segments or segments[0] in ("std", "core", "alloc"):
                continue
            target = f.resolve(segments, m.start())
            if not target or target == module:
                continue
            if reexport and target.startswith(module + "/" if module else ""):
                continue  # a parent re-exporting its own child
            found.append((f.source_at(m.start()), target, line_of(m.start()), "use " + p))

    for m in re.finditer(r"(?<![\w$])((?:crate|super|self|[a-z_]\w*)(?:::\w+)+)", code):
        if any(s <= m.start() < e for s, e in use_spans):
            continue
        before = code[max(0, m.start() - 4):m.start()]
        if before.endswith("in "):  # pub(in crate::x)
            continue
        segments = m.group(1).split("::")
        target = f.resolve(segments, m.start())
        if target and target != module:
            found.append((f.source_at(m.start()), target, line_of(m.start()), m.group(1)))
    return found


def strongly_connected(nodes, graph):
    index, low, on_stack, stack, out = {}, {}, set(), [], []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            out.append(sorted(component))

    sys.setrecursionlimit(10000)
    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return out


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    src = sys.argv[1]
    modules = modules_of(src)
    nodes = [m for m in modules if m not in ROOTS]
    graph = defaultdict(set)
    why = defaultdict(list)
    for module in nodes:
        for source, target, line, text in edges_of(module, modules[module], modules):
            if target in ROOTS or target == source:
                continue
            graph[source].add(target)
            why[(source, target)].append(f"{os.path.relpath(modules[module], src)}:{line} {text}")
    nodes = sorted(set(nodes) | set(graph))
    circles = [c for c in strongly_connected(nodes, graph) if len(c) > 1]
    for circle in sorted(circles):
        print("circle: " + " <-> ".join(circle))
        members = set(circle)
        for a in circle:
            for b in sorted(graph[a] & members):
                print(f"  {a} -> {b}: " + "; ".join(why[(a, b)][:3]))
    return 1 if circles else 0


if __name__ == "__main__":
    sys.exit(main())
