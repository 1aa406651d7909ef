"""OpenTelemetry is optional: Perdure's core never imports it, and perdure.otel without it
says which extra to install (in fresh interpreters, so this process's imports do not
count)."""

from __future__ import annotations

import subprocess
import sys


def _python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )


def test_importing_perdure_otel_without_opentelemetry_names_the_extra_to_install() -> None:
    done = _python(
        "import sys\n"
        "sys.modules['opentelemetry'] = None  # as if it were not installed\n"
        "try:\n"
        "    import perdure.otel\n"
        "except ImportError as exc:\n"
        "    print(exc)\n"
    )
    assert done.returncode == 0, done.stderr
    assert "pip install 'perdure[otel]'" in done.stdout
    assert "Traceback" not in done.stdout


def test_perdures_core_runs_without_importing_opentelemetry() -> None:
    done = _python(
        "import sys\n"
        "import perdure, perdure.execution, perdure.plugin, perdure.plugin_discovery\n"
        "import perdure.testing, perdure.client, perdure._cli.main\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'opentelemetry'))\n"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
