"""The dependency rule: bot/ imports embeddings/, never the reverse; the core is Telegram-free."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


CORE_FILES = sorted((ROOT / "embeddings").rglob("*.py"))


@pytest.mark.parametrize("path", CORE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_core_never_imports_bot_or_telegram(path: Path) -> None:
    assert not imported_modules(path) & {"bot", "telegram"}


@pytest.mark.parametrize("path", CORE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_core_never_reads_the_environment(path: Path) -> None:
    source = path.read_text("utf-8")
    assert "os.environ" not in source and "getenv" not in source


@pytest.mark.parametrize(
    "path", sorted((ROOT / "bot").rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT))
)
def test_bot_never_touches_faiss_or_models_directly(path: Path) -> None:
    assert not imported_modules(path) & {"faiss", "sentence_transformers", "torch"}


def test_the_rule_checker_sees_imports(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text("import telegram.ext\nfrom bot.config import Settings\n", "utf-8")
    assert imported_modules(probe) == {"telegram", "bot"}
