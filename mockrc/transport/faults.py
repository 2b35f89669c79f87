"""The fault protocol shared by the app and both transports.

A response carrying ``X-Mockrc-Fault: drop`` is never delivered: the live server closes the
connection without answering, and the in-process transport raises ``requests.ConnectionError``.
The header is stripped either way, so a client never sees it.
"""

FAULT_HEADER = "X-Mockrc-Fault"
FAULT_DROP = "drop"
