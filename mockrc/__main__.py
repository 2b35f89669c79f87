"""``python -m mockrc`` is ``mockrc``."""

import sys

from mockrc.cli import main

sys.exit(main())
