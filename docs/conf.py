"""Sphinx configuration: numpydoc, the pydata theme and a sphinx-gallery."""

import os

import sklearn_fer

project = "sklearn-fer"
author = "the sklearn-fer developers"
copyright = "2026, the sklearn-fer developers"
version = release = sklearn_fer.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.doctest",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

autosummary_generate = True
autodoc_default_options = {"members": True, "inherited-members": False}
# numpydoc lists the members itself from the docstring sections; autosummary
# stubs would list them a second time.
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False

templates_path = ["_templates"]
exclude_patterns = ["_build", "examples/README.rst"]

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


def setup(app):
    app.connect("autodoc-skip-member", _skip_metadata_request_setters)
