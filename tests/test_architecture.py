"""The house rules, checked on the source (stdlib `ast`): see docs/ARCHITECTURE.md.

- A module imports only its own feature and lower layers (module-level and function-local
  imports alike); the live layer (`realtime`) and the core import no feature.
- No import cycle between features.
- No module of the app over MAX_LINES lines.
- Fewer than MAX_LOCAL_IMPORTS function-local imports, each with a comment (on its line or the
  line above) saying why.

Each failure prints the offending imports as `importer:line -> imported`.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "neighbours"

# Lowest first. A feature is a subpackage of `neighbours` listed here; `neighbours/auth.py`
# belongs to accounts (it reads accounts' models). A subpackage not listed is core, as
# `neighbours/jobs/` (the job runner) is: it may import the core only.
LAYERS = [
    "core",
    "realtime",
    "accounts",
    "neighbourhoods",
    "notifications",
    "moderation",
    "feed",
    "messages",
    "meals",
]
RANK = {name: rank for rank, name in enumerate(LAYERS)}
# The top: builds the app, wires the seams, lists every model, commands. May import anything.
TOP = {
    "neighbours",
    "neighbours.__main__",
    "neighbours.app",
    "neighbours.cli",
    "neighbours.models",
    "neighbours.seeds",
    "neighbours.wiring",
}
MODULE_OWNERS = {"neighbours.auth": "accounts"}

MAX_LINES = 460
MAX_LOCAL_IMPORTS = 25


@dataclass(frozen=True)
class Import:
    importer: str
    line: int
    imported: str
    local: bool

    def __str__(self) -> str:
        return f"{self.importer}:{self.line} -> {self.imported}"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def layer_of(module: str) -> str | None:
    """The layer of a module of the app; None for the top."""
    if module in TOP:
        return None
    if module in MODULE_OWNERS:
        return MODULE_OWNERS[module]
    parts = module.split(".")
    if len(parts) > 1 and parts[1] in RANK and parts[1] != "core":
        return parts[1]
    return "core"


def _feature(module: str) -> str | None:
    layer = layer_of(module)
    return layer if layer not in (None, "core") else None


def _resolve(importer: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = importer.split(".")
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _module_level_ids(tree: ast.Module) -> set[int]:
    """Nodes that run at import: the body, and module-level `if`/`try` blocks in it."""
    ids: set[int] = set()
    pending: list[ast.stmt] = list(tree.body)
    while pending:
        node = pending.pop()
        ids.add(id(node))
        if isinstance(node, ast.If | ast.Try):
            for block in ("body", "orelse", "finalbody"):
                pending.extend(getattr(node, block, []))
            for handler in getattr(node, "handlers", []):
                pending.extend(handler.body)
    return ids


def _imports() -> tuple[list[Import], list[tuple[str, int, str]]]:
    """Every import of a `neighbours` module, and every function-local import (with source)."""
    modules = _modules()
    found: list[Import] = []
    local_imports: list[tuple[str, int, str]] = []
    for module, path in modules.items():
        source = path.read_text()
        lines = source.splitlines()
        tree = ast.parse(source)
        top_level = _module_level_ids(tree)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            local = id(node) not in top_level
            if local:
                local_imports.append((module, node.lineno, lines[node.lineno - 1].strip()))
                has_reason = "#" in lines[node.lineno - 1] or (
                    node.lineno > 1 and lines[node.lineno - 2].strip().startswith("#")
                )
                if not has_reason:
                    local_imports[-1] = (module, node.lineno, "NO COMMENT: " + local_imports[-1][2])
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                base = _resolve(module, path.name == "__init__.py", node)
                for alias in node.names:
                    # `from neighbours.x import y`: y may be a submodule.
                    candidate = f"{base}.{alias.name}"
                    targets.append(candidate if candidate in modules else base)
            for target in targets:
                if target == "neighbours" or target.startswith("neighbours."):
                    found.append(Import(module, node.lineno, target, local))
    return found, local_imports


def _layer_violations(imports: list[Import]) -> list[Import]:
    bad = []
    for imp in imports:
        mine, theirs = layer_of(imp.importer), layer_of(imp.imported)
        if mine is None:
            continue  # the top may import anything
        # Upwards, or the core reaching any feature.
        if theirs is None or RANK[theirs] > RANK[mine] or (mine == "core" and theirs != "core"):
            bad.append(imp)
    return bad


def _feature_cycles(imports: list[Import]) -> list[list[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for imp in imports:
        a, b = _feature(imp.importer), _feature(imp.imported)
        if a and b and a != b:
            graph[a].add(b)
    cycles: list[list[str]] = []
    for start in sorted(graph):
        stack: list[tuple[str, list[str]]] = [(start, [start])]
        while stack:
            node, path = stack.pop()
            for nxt in sorted(graph[node]):
                if nxt == start:
                    cycle = [*path, start]
                    if min(path) == start:  # each cycle once, from its smallest feature
                        cycles.append(cycle)
                elif nxt not in path and nxt > start:
                    stack.append((nxt, [*path, nxt]))
    return cycles


def _report(title: str, rows: list[object]) -> str:
    lines = [f"{title} ({len(rows)}):"] + [f"  {row}" for row in rows]
    print("\n".join(lines))
    return "\n".join(lines)


def test_layers_import_only_downwards() -> None:
    imports, _ = _imports()
    bad = _layer_violations(imports)
    assert not bad, _report("imports against the layers (importer:line -> imported)", bad)


def test_the_live_layer_and_the_core_import_no_feature() -> None:
    imports, _ = _imports()
    bad = [
        imp
        for imp in imports
        if layer_of(imp.importer) in ("realtime", "core")
        and _feature(imp.imported) not in (None, layer_of(imp.importer))
    ]
    assert not bad, _report("realtime/core importing a feature", bad)


def test_no_import_cycle_between_features() -> None:
    imports, _ = _imports()
    cycles = _feature_cycles(imports)
    edges = sorted(
        {
            f"{imp} ({_feature(imp.importer)} -> {_feature(imp.imported)})"
            for imp in imports
            if _feature(imp.importer)
            and _feature(imp.imported)
            and _feature(imp.importer) != _feature(imp.imported)
            and RANK[_feature(imp.imported) or "core"] > RANK[_feature(imp.importer) or "core"]
        }
    )
    assert not cycles, _report(
        f"feature cycles {[' -> '.join(c) for c in cycles]}; upward edges", list(edges)
    )


def test_no_module_is_too_long() -> None:
    long = [
        f"{module}: {len(path.read_text().splitlines())} lines"
        for module, path in _modules().items()
        if len(path.read_text().splitlines()) > MAX_LINES
    ]
    assert not long, _report(f"modules over {MAX_LINES} lines", long)


def test_few_function_local_imports_each_saying_why() -> None:
    _, local_imports = _imports()
    rows = [f"{module}:{line}: {text}" for module, line, text in local_imports]
    unexplained = [row for row in rows if "NO COMMENT: " in row]
    assert len(local_imports) < MAX_LOCAL_IMPORTS and not unexplained, _report(
        f"function-local imports (fewer than {MAX_LOCAL_IMPORTS}, each with a comment)", rows
    )


def test_the_checker_sees_what_it_checks() -> None:
    """Guard the guard: the graph is built from real files, both kinds of import included."""
    imports, local_imports = _imports()
    assert any(imp.local for imp in imports) or local_imports == []
    assert any(imp.importer == "neighbours.meals.services" for imp in imports)
    assert layer_of("neighbours.auth") == "accounts"
    assert layer_of("neighbours.realtime.live") == "realtime"
    assert layer_of("neighbours.errors") == "core"
    # The job runner is core (it knows no feature; wiring registers the features' jobs).
    assert layer_of("neighbours.jobs.runner") == "core"
    assert layer_of("neighbours.wiring") is None
    assert _layer_violations([Import("neighbours.realtime.x", 1, "neighbours.meals.y", True)])
    assert _feature_cycles(
        [
            Import("neighbours.feed.a", 1, "neighbours.moderation.b", False),
            Import("neighbours.moderation.b", 2, "neighbours.feed.a", True),
        ]
    ) == [["feed", "moderation", "feed"]]
