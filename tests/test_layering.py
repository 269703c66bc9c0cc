"""The layers, checked on the real import graph of bot/ and embeddings/.

Every module is parsed (imports inside functions and `TYPE_CHECKING` blocks count too), each
import is resolved to the module it names, and the rules of the README's architecture are
asserted on the edges: the core never imports the bot or Telegram; the async shell and the
Telegram adapter see the core only through its facade and its types; inside the core, a layer
imports only the layers below it; no package module imports the tests; and no two modules
import each other, however indirectly. ruff's banned-API rule (the per-folder ruff.toml files)
says the same at lint time, for direct imports.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "embeddings")
HEAVY = frozenset(
    {"faiss", "torch", "sentence_transformers", "onnxruntime", "onnx", "transformers"}
)
CORE_FACE = ("embeddings.library", "embeddings.models")
"""All of the core that the bot's service and Telegram adapter may import."""
CORE_LAYERS = (
    ("embeddings.models", "embeddings.text", "embeddings.lru"),
    ("embeddings.ingest", "embeddings.encoders"),
    ("embeddings.store",),
    ("embeddings.retrieval", "embeddings.excerpts"),
    ("embeddings.library", "embeddings.evaluation"),
)
"""The core from the bottom up: a module imports only from its own layer and those below."""
BOT_ALLOWED = {
    "bot.service": ("bot.service", *CORE_FACE),
    "bot.telegram": ("bot.telegram", "bot.service", "bot.config", "bot.wiring", *CORE_FACE),
}
"""What the shell and the adapter may import of ours (bot.wiring: the default builder)."""


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    return {module_name(p): p for pkg in PACKAGES for p in sorted((ROOT / pkg).rglob("*.py"))}


def imports(name: str, source: str, known: Iterable[str]) -> set[str]:
    """The modules that ``source`` (the text of module ``name``) imports, resolved: `from a
    import b` names ``a.b`` when that is a module of ``known``, else ``a``."""
    known = set(known)
    is_package = name in known and modules().get(name, Path()).name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the package of this module
                package = name.split(".") if is_package else name.split(".")[:-1]
                package = package[: len(package) - node.level + 1]
                base = ".".join([*package, base] if base else package)
            for alias in node.names:
                full = f"{base}.{alias.name}"
                found.add(full if full in known else base)
    return found


@cache
def graph() -> dict[str, frozenset[str]]:
    known = modules()
    return {
        name: frozenset(imports(name, path.read_text("utf-8"), known))
        for name, path in known.items()
    }


def under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def edges(prefix: str) -> list[tuple[str, str]]:
    return [(m, i) for m, found in graph().items() if under(m, prefix) for i in sorted(found)]


def test_the_graph_sees_every_module_and_resolves_imports() -> None:
    assert {"bot.telegram.handlers", "embeddings.retrieval.searcher"} <= set(graph())
    assert "embeddings.retrieval.snapshot" in graph()["embeddings.excerpts.quoting"]
    assert "telegram" in graph()["bot.telegram.app"]


def test_the_resolver_handles_every_form_of_import() -> None:
    known = {"pkg", "pkg.sub", "pkg.sub.mod", "pkg.other"}
    source = (
        "import telegram.ext\n"
        "from pkg.sub import mod, CONSTANT\n"
        "from .. import other\n"
        "from .mod import thing\n"
        "def late():\n    from faiss import IndexFlatIP\n"
        "if TYPE_CHECKING:\n    from pkg import other\n"
    )
    found = imports("pkg.sub.here", source, known)
    assert found == {"telegram.ext", "pkg.sub.mod", "pkg.sub", "faiss", "pkg.other"}


def test_the_core_never_imports_the_bot_or_telegram() -> None:
    assert [(m, i) for m, i in edges("embeddings") if i.split(".")[0] in ("bot", "telegram")] == []


@pytest.mark.parametrize("layer", sorted(BOT_ALLOWED))
def test_the_shell_and_the_adapter_see_only_the_cores_face(layer: str) -> None:
    allowed = BOT_ALLOWED[layer]
    ours = [(m, i) for m, i in edges(layer) if i.split(".")[0] in PACKAGES]
    assert [(m, i) for m, i in ours if not any(under(i, a) for a in allowed)] == []
    assert [(m, i) for m, i in edges(layer) if i.split(".")[0] in HEAVY] == []


def test_core_layers_import_only_downwards() -> None:
    def layer_of(name: str) -> int | None:
        return next(
            (n for n, layer in enumerate(CORE_LAYERS) if any(under(name, p) for p in layer)), None
        )

    assert [m for m in graph() if m.startswith("embeddings.") and layer_of(m) is None] == []
    upward = [
        (m, i)
        for m, i in edges("embeddings")
        if i.startswith("embeddings.") and (layer_of(i) or 0) > (layer_of(m) or 0)
    ]
    assert upward == []


def test_package_code_never_imports_the_tests() -> None:
    assert [(m, i) for p in PACKAGES for m, i in edges(p) if i.split(".")[0] == "tests"] == []


def test_no_import_cycles() -> None:
    ours = {m: {i for i in found if i in graph()} for m, found in graph().items()}
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(ours[node]):
            if state.get(nxt) == 1:
                cycles.append([*path[path.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for module in sorted(ours):
        if module not in state:
            visit(module, [module])
    assert cycles == []


@pytest.mark.parametrize("name", sorted(m for m in modules() if m.startswith("embeddings")))
def test_the_core_never_reads_the_environment(name: str) -> None:
    source = modules()[name].read_text("utf-8")
    assert "os.environ" not in source and "getenv" not in source
