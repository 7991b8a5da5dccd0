"""What the README and the documentation show is what the code does."""

import inspect
import os
import re
import subprocess
import sys
from pathlib import Path

import sklearn_adam

ROOT = Path(__file__).resolve().parents[1]


def _printed_comments(code):
    """The output a snippet's comments promise, one line per line printed.

    A comment on a line that calls ``print``, or a comment line right after
    it, is what that call prints.
    """
    expected, after_print = [], False
    for line in code.splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            if after_print:
                expected.append(stripped[1:].strip())
            continue
        after_print = "print(" in line
        if after_print and "  # " in line:
            expected.append(line.split("  # ", 1)[1].strip())
    return expected


def _run_python(code, cwd):
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"},
        timeout=600,
    )


def test_readme_quick_start_prints_what_its_comments_say(tmp_path):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quick_start = readme.split("## Quick start", 1)[1]
    code = re.search(r"```python\n(.*?)```", quick_start, re.DOTALL).group(1)
    expected = _printed_comments(code)
    assert len(expected) >= 2

    result = _run_python(code, tmp_path)

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == expected


def test_dask_example_starts_nothing_when_a_worker_imports_it(tmp_path):
    # A LocalCluster's worker is a new process that imports the script that
    # started it, under the name "__mp_main__". Whatever the script does at
    # its top level, each worker does again; a cluster started there fails
    # with "Nanny failed to start". The example must only import and define.
    example = ROOT / "examples" / "plot_dask_cluster.py"
    code = (
        "import runpy\n"
        f"names = runpy.run_path({str(example)!r}, run_name='__mp_main__')\n"
        "print(' '.join(sorted(name for name in names if not name.startswith('__'))))\n"
    )

    result = _run_python(code, tmp_path)

    assert result.returncode == 0, result.stderr
    names = set(result.stdout.split())
    assert {"AdamLinearRegressor", "sent_to_non_workers"} <= names
    assert not names & {"cluster", "client", "X", "model"}


def _public_docstrings():
    for name in sklearn_adam.__all__:
        obj = getattr(sklearn_adam, name)
        yield name, inspect.getdoc(obj) or ""
        if inspect.isclass(obj):
            for member_name, member in vars(obj).items():
                if not member_name.startswith("_"):
                    yield f"{name}.{member_name}", inspect.getdoc(member) or ""


def test_no_docstring_puts_an_apostrophe_after_a_closing_quote():
    # The documentation's smart quotes read the '"' of '"nadam"'s' as an
    # opening quote, and render it as “nadam“‘s.
    closing_quote_then_apostrophe = re.compile(r"\"\w+\"'")
    offenders = [
        name for name, doc in _public_docstrings() if closing_quote_then_apostrophe.search(doc)
    ]
    assert offenders == []


def test_losses_page_has_a_row_for_every_loss():
    # The Losses page's first table says, for each value of ``loss``, what
    # it fits, its peer, what predict and score return and which targets it
    # takes; a loss added to the code needs its row.
    from sklearn_adam._objective._losses import LOSSES

    page = (ROOT / "docs" / "user_guide" / "losses.md").read_text(encoding="utf-8")
    table = page.split("\n\n## ", 1)[0]
    rows = set(re.findall(r'^\| `"(\w+)"`', table, re.MULTILINE))
    assert set(LOSSES) <= rows, sorted(set(LOSSES) - rows)


def test_losses_page_quotes_the_peers_default_alpha():
    # The page warns that the peers' default alpha is not ours; the values
    # it quotes must be the installed scikit-learn's.
    from sklearn.linear_model import (
        GammaRegressor,
        HuberRegressor,
        PoissonRegressor,
        QuantileRegressor,
    )

    page = (ROOT / "docs" / "user_guide" / "losses.md").read_text(encoding="utf-8")
    sentence = re.search(r"The peers' default `alpha` is not ours:(.*?)\.\s", page, re.DOTALL)
    quoted = " ".join(sentence.group(1).split())
    for peer in (PoissonRegressor, GammaRegressor, QuantileRegressor, HuberRegressor):
        assert f"`{peer.__name__}`" in quoted
    assert "`alpha=0.0`" in quoted and sklearn_adam.AdamLinearRegressor().alpha == 0.0
    assert f"`alpha={PoissonRegressor().alpha}`" in quoted
    assert PoissonRegressor().alpha == GammaRegressor().alpha == QuantileRegressor().alpha
    assert f"`alpha={HuberRegressor().alpha}`" in quoted
