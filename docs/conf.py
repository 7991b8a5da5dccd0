"""Sphinx configuration of the sklearn-adam documentation.

Build from the repository root with
``python -m sphinx -W --keep-going -b html docs docs/_build/html``.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

from sphinx.errors import ExtensionError

import sklearn_adam

# Build helpers that the configuration names by import path.
sys.path.insert(0, str(Path(__file__).with_name("_ext")))

project = "sklearn-adam"
author = "the sklearn-adam developers"
copyright = "2026, the sklearn-adam developers"
release = sklearn_adam.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    # Ships MathJax with the site, so that formulas render without a network.
    "sphinx-mathjax-offline",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build"]
templates_path = ["_templates"]

# The user guide is Markdown with LaTeX between dollar signs; its section
# links ("#when-training-stops") need anchors on the headings.
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3

# Every cross-reference must resolve, so that -W catches a broken one. The
# build has no network for intersphinx, so names from the libraries we build
# on stay plain text rather than links.
nitpicky = True
nitpick_ignore_regex = [(r"py:.*", r"(sklearn|scipy|numpy)(\..*)?")]

autosummary_generate = True
autodoc_default_options = {"members": True}
# The class template lists the methods itself; numpydoc's own member tables
# would need a stub page for every inherited scikit-learn method.
numpydoc_show_class_members = False

# Every example runs during the build; one that raises fails the build.
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"\.py$",
    "abort_on_example_error": True,
    "image_scrapers": ("matplotlib",),
    "matplotlib_animations": False,
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "reading_order.ReadingOrder",
    "min_reported_time": 0,
    "doc_module": ("sklearn_adam",),
    "backreferences_dir": "generated/backreferences",
}

html_theme = "pydata_sphinx_theme"
html_title = "sklearn-adam"
html_static_path = ["_static"]
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
}


def _skip_metadata_request_methods(app, what, name, obj, skip, options):
    # scikit-learn generates set_fit_request and its siblings on every
    # estimator; their docstrings, and get_metadata_routing's, are about
    # scikit-learn's metadata routing and send the reader to its user guide
    # and glossary, which this site does not have. The estimator's docstring
    # mentions them.
    if (name.startswith("set_") and name.endswith("_request")) or name == "get_metadata_routing":
        return True
    return None


# A :ref: or :term: role, with its text and the label it points to.
_SCIKIT_LEARN_LINK = re.compile(r":(?:ref|term):`([^`<]*?)\s*(?:<[^>]*>)?`")


def _unlink_scikit_learn_docstrings(app, what, name, obj, options, lines):
    # The estimator's page lists the methods it inherits from scikit-learn
    # (score, get_params, set_params, ...). Their docstrings link into
    # scikit-learn's user guide and glossary, which this site does not have:
    # keep the text of those links, drop the links.
    if not getattr(obj, "__module__", "").startswith("sklearn."):
        return
    lines[:] = [_SCIKIT_LEARN_LINK.sub(r"\1", line) for line in lines]


def _check_every_example_drew_a_figure(app, exception):
    # An example that runs but draws nothing would pass sphinx-gallery; each
    # one is meant to show a figure, so a missing one fails the build.
    if exception is not None or not app.config.sphinx_gallery_conf.get("plot_gallery", True):
        return
    source = Path(app.srcdir)
    examples = sorted((source.parent / "examples").glob("plot_*.py"))
    images = source / "auto_examples" / "images"
    without = [e.name for e in examples if not (images / f"sphx_glr_{e.stem}_001.png").exists()]
    if without:
        raise ExtensionError(f"these gallery examples drew no figure: {', '.join(without)}")


def setup(app):
    app.connect("autodoc-skip-member", _skip_metadata_request_methods)
    app.connect("autodoc-process-docstring", _unlink_scikit_learn_docstrings)
    app.connect("build-finished", _check_every_example_drew_a_figure)


def _write_cli_help():
    # cli.md includes the command line's own --help, so the page cannot drift
    # from the code. COLUMNS fixes argparse's wrapping width.
    result = subprocess.run(
        [sys.executable, "-m", "sklearn_adam", "--help"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "COLUMNS": "80"},
    )
    Path(__file__).with_name("_build_cli_help.txt").write_text(result.stdout)


_write_cli_help()
