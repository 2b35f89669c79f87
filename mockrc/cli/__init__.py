"""The ``mockrc`` command line (entry point ``mockrc.cli:main``; ``python -m mockrc`` too).

:mod:`mockrc.cli.main` builds the parser and runs the command it names; each command is a module
of this package (``serve``, ``report``, and ``scenarios``/``users``/``token`` in ``commands``);
``environment`` reads options from ``MOCKRC_*`` variables, ``addresses`` the URLs a server bound
to every address prints.
"""

from mockrc.cli.main import main
from mockrc.cli.serve import DEFAULT_TOKEN

__all__ = ["DEFAULT_TOKEN", "main"]
