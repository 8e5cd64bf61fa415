"""Benchmarks of sklearn-fer against scikit-learn, on the real FER2013 file.

Each script reads the file from the environment variable ``SKLEARN_FER_DATA``
and prints a markdown table; ``python -m benchmarks`` runs them all.
"""
