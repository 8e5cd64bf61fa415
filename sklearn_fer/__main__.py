"""``python -m sklearn_fer``: the same as the ``sklearn-fer`` command."""

import sys

from ._cli._entry import main

sys.exit(main())
