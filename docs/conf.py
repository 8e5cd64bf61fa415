"""Sphinx configuration: numpydoc, the pydata theme and a sphinx-gallery."""

import os
import re
import sys
from pathlib import Path

import sklearn_fer

# The studies page's directive (docs/_ext/study_claims.py).
sys.path.insert(0, str(Path(__file__).parent / "_ext"))

project = "sklearn-fer"
author = "the sklearn-fer developers"
copyright = "2026, the sklearn-fer developers"
version = release = sklearn_fer.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.doctest",
    "sphinx.ext.mathjax",
    # Ships MathJax into _static: equations render without internet.
    "sphinx-mathjax-offline",
    # [source] links to the highlighted code of every documented object.
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    # ``.. study-claims:: STUDY`` renders docs/studies/STUDY.json.
    "study_claims",
]

autosummary_generate = True
# Like scikit-learn's API pages: a class page lists every public method, also
# those inherited from a private base class (fit, partial_fit, predict_proba)
# or from scikit-learn (get_params, score, set_output).
# The class template (_templates/autosummary/class.rst) adds
# :inherited-members: and a table of the methods with their signatures.
autodoc_default_options = {"members": True}
# The template's table lists the methods; numpydoc's own would repeat it.
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False

templates_path = ["_templates"]
exclude_patterns = ["_build", "examples/README.rst", "_ext"]

html_theme = "pydata_sphinx_theme"
html_title = f"sklearn-fer {version}"
html_theme_options = {"navigation_with_keys": False, "show_toc_level": 2}

sphinx_gallery_conf = {
    "examples_dirs": "examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "download_all_examples": False,
    "remove_config_comments": True,
    # Examples run on synthetic faces; no file is downloaded to build the docs.
    "abort_on_example_error": True,
    "matplotlib_animations": False,
}
os.environ.setdefault("MPLBACKEND", "Agg")


def _skip_metadata_request_setters(app, what, name, obj, skip, options):
    # scikit-learn generates set_{fit,score,...}_request on every estimator; they
    # are documented in scikit-learn's metadata routing guide, not here.
    if name.startswith("set_") and name.endswith("_request"):
        return True
    return skip


# Methods inherited from scikit-learn (score, get_metadata_routing, set_output)
# carry :ref: labels of scikit-learn's own site, which this build does not
# have: they become links to the pages on scikit-learn.org.
_SKLEARN_LABELS = {
    "metadata_routing": "metadata_routing.html",
    "accuracy_score": "modules/model_evaluation.html#accuracy-score",
    "df_output_transform": "auto_examples/miscellaneous/plot_set_output.html",
    "sphx_glr_auto_examples_miscellaneous_plot_set_output.py": (
        "auto_examples/miscellaneous/plot_set_output.html"
    ),
}
_SKLEARN_REF = re.compile(r":ref:`([^`<]*?)\s*<([^`>]+)>`|:ref:`([^`<>]+)`")


def _link_sklearn_refs(app, what, name, obj, options, lines):
    if not getattr(obj, "__module__", "").startswith("sklearn."):
        return

    def link(match):
        text, label = match[1], match[2]
        if label is None:
            text = label = match[3]
        page = _SKLEARN_LABELS.get(label)
        if page is None:
            return text
        return f"`{text} <https://scikit-learn.org/stable/{page}>`__"

    lines[:] = [_SKLEARN_REF.sub(link, line) for line in lines]


# The docs are built without network (CI), so intersphinx cannot fetch the
# other projects' inventories: a reference to one of their objects links to
# its API page by the URL scheme that project's documentation uses.
def _generated_page(site):
    """The API page of ``target`` on a site with one generated page per object.

    A method or attribute lives on its class's page: up to the first
    capitalised part (sklearn.linear_model.SGDClassifier.fit).
    """

    def url(target):
        parts = target.split(".")
        cls = next((i for i, part in enumerate(parts) if part[:1].isupper()), None)
        page = ".".join(parts if cls is None else parts[: cls + 1])
        return site.format(page=page) + ("" if page == target else f"#{target}")

    return url


def _skorch_page(target):
    # skorch documents each module on one page: skorch.callbacks.ProgressBar
    # is on callbacks.html; the names skorch exports at its top level on net.html.
    parts = target.split(".")
    module = parts[1] if len(parts) > 2 else "net"
    return f"https://skorch.readthedocs.io/en/stable/{module}.html#{target}"


_EXTERNAL_API_PAGES = {
    "sklearn": _generated_page(
        "https://scikit-learn.org/stable/modules/generated/{page}.html"
    ),
    "numpy": _generated_page(
        "https://numpy.org/doc/stable/reference/generated/{page}.html"
    ),
    "scipy": _generated_page(
        "https://docs.scipy.org/doc/scipy/reference/generated/{page}.html"
    ),
    "pandas": _generated_page(
        "https://pandas.pydata.org/docs/reference/api/{page}.html"
    ),
    "torch": _generated_page(
        "https://docs.pytorch.org/docs/stable/generated/{page}.html"
    ),
    "dask": _generated_page("https://docs.dask.org/en/stable/generated/{page}.html"),
    "skorch": _skorch_page,
}


def _link_external_api(app, env, node, contnode):
    from docutils import nodes

    target = node.get("reftarget", "")
    page_of = _EXTERNAL_API_PAGES.get(target.split(".")[0])
    if node.get("refdomain") != "py" or page_of is None:
        return None
    reference = nodes.reference(
        "", "", internal=False, refuri=page_of(target), reftitle=target
    )
    reference.append(contnode)
    return reference


def setup(app):
    app.connect("missing-reference", _link_external_api)
    app.connect("autodoc-skip-member", _skip_metadata_request_setters)
    app.connect("autodoc-process-docstring", _link_sklearn_refs)
