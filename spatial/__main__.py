"""``python -m spatial`` runs the same command line as the ``spatial`` script."""

import sys

from spatial.cli import main

sys.exit(main())
