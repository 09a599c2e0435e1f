"""The pure parts stay pure: importing every module of engine, rulebooks and core loads no Django (the layer
contracts in pyproject.toml check the whole tree with import-linter; this checks it where the code runs)."""
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"


def test_engine_rulebooks_and_core_import_no_django():
    modules = sorted(
        ".".join(path.relative_to(SRC).with_suffix("").parts)
        for package in ("engine", "rulebooks", "core")
        for path in (SRC / "rammeaftale" / package).glob("*.py")
        if path.name != "__init__.py"
    )
    assert "rammeaftale.engine.settlement" in modules and "rammeaftale.rulebooks.models" in modules
    script = ("import importlib, sys\n"
              f"for name in {modules!r}:\n    importlib.import_module(name)\n"
              "print(sorted(m for m in sys.modules if m == 'django' or m.startswith('django.')))")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                            env={"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin"})
    assert result.stdout.strip() == "[]", result.stdout
