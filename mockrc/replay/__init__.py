"""``mockrc replay``: a journal's requests sent again to another server, and how its answers differ.

The journal (:mod:`.reader`, a stream) gives the requests; :mod:`.substitution` rebuilds each with
the target's ids and tokens; :mod:`.http_target` sends it; :mod:`.shape` says what of an answer is
compared; :mod:`.allow` says which differences are accepted; :mod:`.runner` puts it together and
gives the verdict. Plain Python: nothing here knows about Flask.
"""

from mockrc.replay.allow import AllowRule, AllowRuleError, parse_rule, read_allow_file
from mockrc.replay.reader import LINE_LIMIT, JournalFileError, read_journal
from mockrc.replay.runner import ReplayReport, ReplaySetupError, replay
from mockrc.replay.substitution import Credentials

__all__ = [
    "LINE_LIMIT",
    "AllowRule",
    "AllowRuleError",
    "Credentials",
    "JournalFileError",
    "ReplayReport",
    "ReplaySetupError",
    "parse_rule",
    "read_allow_file",
    "read_journal",
    "replay",
]
