"""The JUnit report's character filter replaces exactly what XML 1.0 cannot carry.

:data:`mockrc.report._NOT_XML` lists the excluded ranges (cheap to compile at start); XML's ``Char``
production (https://www.w3.org/TR/xml/#charsets) names the allowed ones. Compared on every code point.
"""

from __future__ import annotations

import re

from mockrc.report import _NOT_XML, xml_text

#: The complement of XML 1.0's Char production, as the specification writes the production.
OUTSIDE_CHAR = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def test_the_filter_matches_every_code_point_outside_xml_s_char_and_no_other() -> None:
    every = "".join(map(chr, range(0x110000)))

    assert [m.start() for m in _NOT_XML.finditer(every)] == [m.start() for m in OUTSIDE_CHAR.finditer(every)]
    assert xml_text(every) == OUTSIDE_CHAR.sub("\ufffd", every)
    assert xml_text("a\x00b\ud800c\U0001f600") == "a\ufffdb\ufffdc\U0001f600"
