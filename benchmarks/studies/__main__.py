"""``python -m benchmarks.studies``: check the studies' claims (see the package)."""

import sys

from benchmarks.studies import main

sys.exit(main(sys.argv[1:]))
