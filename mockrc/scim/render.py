"""SCIM resources as the server returns them (RFC 7643 §3.1 ``id`` and ``meta``).

Stored attributes come back exactly as the client sent them; the server adds ``schemas``,
``id`` and ``meta`` and leaves out what the schema says is never returned (``password``).
``meta.location`` is absolute, so it depends on the host the client called: a base URL is
passed in rather than guessed.

:class:`UserRenderer` writes the same resource as JSON text straight from the stored text when it
can (issue 12: decoding each user, building its dict and encoding it again was most of a list
page's CPU); what it writes is byte for byte what encoding :func:`render_user`'s dict gives.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from copy import deepcopy
from functools import cache
from operator import itemgetter
from typing import Any

from mockrc.clock import IsoFormatter, isoformat
from mockrc.paths import SCIM_PREFIX
from mockrc.profile import Profile
from mockrc.store import Record, StoredPage, StoredUser


def user_location(base_url: str, user_id: str) -> str:
    return f"{base_url}{SCIM_PREFIX}/Users/{user_id}"


@cache
def never_returned(profile: Profile) -> frozenset[str]:
    """Top-level attributes the schema marks ``returned: never`` (RFC 7643 §7), e.g. ``password``."""
    return frozenset(a.name for a in profile.resource_schema.attributes().values() if a.returned == "never")


def render_user(
    user: StoredUser, schemas: list[str], profile: Profile, base_url: str, *, copy: bool = True
) -> dict[str, Any]:
    """The user as the API returns it. ``copy=False`` shares the stored values (no deep copy) for
    callers that serialise the result immediately and never modify it."""
    never = never_returned(profile)
    attributes = {k: v for k, v in user.attributes.items() if k not in never} if never else user.attributes
    return {
        "schemas": schemas,
        "id": user.id,
        **(deepcopy(attributes) if copy else attributes),
        "meta": {
            "resourceType": "User",
            "created": isoformat(user.created),
            "lastModified": isoformat(user.last_modified),
            "location": user_location(base_url, user.id),
        },
    }


def with_meta(document: dict[str, Any], resource_type: str, location: str) -> dict[str, Any]:
    """A discovery document (Schema, ResourceType, ServiceProviderConfig) with its ``meta``."""
    return {**document, "meta": {"resourceType": resource_type, "location": location}}


#: The encoding of every SCIM body (``mockrc.http.wire.dumps``'s: compact, keys in the order
#: built, non-ASCII as it is) and of the store's text (``mockrc.store``).
_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_decode = json.loads
#: One string as ``_encode`` writes it (its own function, without the encoder's dispatch).
_encode_string = json.encoder.encode_basestring
#: A listing's id of a user (:attr:`StoredPage.records`).
_first = itemgetter(0)
#: The bytes whose characters a JSON string escapes (RFC 8259 §7: the quotation mark, the reverse
#: solidus, the control characters); ``_encode`` escapes no other (the rest of UTF-8 is >= 0x80).
_ESCAPED = bytes(range(0x20)) + b'"\\'


def _key(name: str) -> str:
    """How ``name`` appears as a key in compact JSON text: ``"name":``."""
    return _encode(name) + ":"


class UserRenderer:
    """Users of one profile as the API's JSON text: :func:`render_user` encoded, made cheaply.

    A stored user is already its attributes' compact JSON text (:mod:`mockrc.store`), encoded as
    the answer encodes them, so the answer is that text spliced between ``schemas``/``id`` and
    ``meta``: no decoding, no dict, no encoding. The splice is taken only where the result is
    sure to be the same as encoding :func:`render_user`'s dict: the text has no key
    ``schemas``, ``id`` or ``meta`` (the dict would put it elsewhere) nor one the schema never
    returns (the dict drops it). A key is looked for as its encoded form anywhere in the text
    (``"id":``): a hit inside a nested object or a string only means the slow path is taken. The
    ``schemas`` need the extensions holding values: an extension's key absent from the text has
    none; where it is present, the store's flags tell (:meth:`StoredUser.has_value`), or the
    attributes where the user is in hand.

    A list page is written from the store's records (:meth:`record_texts`), with no search at all:
    a store built with this renderer's :attr:`flagged` and :attr:`marked` notes in each record's
    flags which extensions hold values and whether a top-level key forbids the splice (exactly:
    a key nested or inside a string does not), so a user costs one f-string and its timestamps.
    """

    def __init__(self, profile: Profile) -> None:
        self.profile = profile
        schema = profile.resource_schema
        self._core = schema.core_uri
        self._extensions = tuple((uri, _key(uri)) for uri in schema.extension_uris)
        #: Top-level keys the splice cannot take: the dict would put them elsewhere or drop them.
        self.marked = frozenset(("schemas", "id", "meta", *never_returned(profile)))
        #: The extensions, as a store should flag them for :meth:`record_texts`.
        self.flagged = schema.extension_uris
        guards = (_key(k) for k in sorted(self.marked))
        #: Finds a key the splice cannot take (one search for them all, as fast as one ``in``).
        self._collides = re.compile("|".join(re.escape(guard) for guard in guards)).search
        self._core_only = _encode([schema.core_uri])
        #: ``schemas`` encoded, by the extensions holding values: one entry per set of them.
        self._schemas_text: dict[tuple[str, ...], str] = {}
        #: ``schemas`` encoded, by a record's flags (:meth:`record_texts`): one entry per value.
        self._schemas_by_flags: dict[int, str] = {}
        #: :func:`~mockrc.clock.isoformat`, cached per second (``meta.created``/``lastModified``).
        self.timestamp = IsoFormatter()

    def schemas_of(self, attributes: Mapping[str, Any]) -> list[str]:
        """The ``schemas`` a user carries: the core schema plus each extension it has values in."""
        return [self._core, *(uri for uri, _ in self._extensions if attributes.get(uri))]

    def text(self, user: StoredUser, base_url: str) -> str:
        """``user`` as the API returns it, as JSON text (``meta.location`` under ``base_url``).

        What is written is the user's text (:attr:`StoredUser.attributes_json`): attributes
        changed in hand after the user was stored or read are not (the views change none)."""
        return self._text(user, base_url, self._location_head(base_url))

    def texts(self, users: Iterable[StoredUser], base_url: str) -> list[str]:
        """:meth:`text` of each user (what is the same for every user is made once); a page
        of a store flagging what this renderer needs (:meth:`record_texts`) from its records."""
        if isinstance(users, StoredPage) and users.flagged == self.flagged and users.marked == self.marked:
            return self.record_texts(users.records, base_url)
        head = self._location_head(base_url)
        return [self._text(user, base_url, head) for user in users]

    def record_texts(self, records: Iterable[tuple[str, Record]], base_url: str) -> list[str]:
        """:meth:`text` of each stored user, written from its record alone: no :class:`StoredUser`,
        no search of its text. The records are a store's whose ``flagged`` are :attr:`flagged` and
        whose ``marked`` are :attr:`marked`: the flags say which extensions hold values (so the
        ``schemas``) and whether the splice can be taken at all (the bit after the extensions')."""
        records = list(records)
        head = self._location_head(base_url)
        ids = "".join(map(_first, records)).encode("utf-8", "surrogatepass")  # a lone one too
        if len(ids.translate(None, _ESCAPED)) == len(ids):  # JSON writes every id as it is
            texts = self._plain_record_texts(records, head)
            if texts is not None:
                return texts
        return self._any_record_texts(records, base_url, head)

    def _plain_record_texts(self, records: list[tuple[str, Record]], head: str) -> list[str] | None:
        """:meth:`record_texts` of users whose ids JSON writes as they are (the server's own ids):
        each id goes in between quotes, unencoded. None, having written nothing, if a user is not
        a plain splice (a key the splice cannot take, or no attributes: no comma after the id) or
        has flags not met before: :meth:`_any_record_texts` writes those (and notes the flags).

        The loop with the least work per user a page costs (issue 12: ~30% less time than
        :meth:`_any_record_texts` for a page of 100, measured): one f-string, no encoding of the
        id, the ``schemas`` by the flags (only a splice's flags are ever noted in
        :attr:`_schemas_by_flags`), the timestamps remembered or made. Checking the page's ids
        first costs one pass over their bytes, less than encoding each of them."""
        by_flags = self._schemas_by_flags
        stamp, known = self.timestamp.format_new, self.timestamp.exact.get
        texts: list[str] = []
        append = texts.append
        for user_id, (text, created, modified, _, _, flags) in records:
            schemas = by_flags.get(flags)
            inner = text[1:-1]
            if schemas is None or not inner:
                return None
            created_text = known(created) or stamp(created)
            modified_text = created_text if modified == created else known(modified) or stamp(modified)
            append(
                f'{{"schemas":{schemas},"id":"{user_id}",{inner},"meta":{{"resourceType":"User",'
                f'"created":"{created_text}","lastModified":"{modified_text}","location":{head}{user_id}"}}}}'
            )
        return texts

    def _any_record_texts(self, records: list[tuple[str, Record]], base_url: str, head: str) -> list[str]:
        """:meth:`record_texts` of any users: ids encoded, the dict path where the splice cannot
        be taken, the ``schemas`` of flags not met before worked out (and remembered)."""
        marked_bit = 1 << len(self.flagged)
        by_flags = self._schemas_by_flags
        stamp, known = self.timestamp.format_new, self.timestamp.exact.get
        texts: list[str] = []
        for user_id, record in records:
            text, created, modified, _, _, flags = record
            schemas = by_flags.get(flags)
            if schemas is None:
                if flags & marked_bit:
                    user = StoredUser(user_id, _decode(text), created, modified)
                    texts.append(self._dict_text(user, base_url))
                    continue
                schemas = self._schemas_of_flags(flags)
            ident = _encode_string(user_id)
            inner = text[1:-1]
            created_text = known(created) or stamp(created)
            modified_text = created_text if modified == created else known(modified) or stamp(modified)
            texts.append(
                f'{{"schemas":{schemas},"id":{ident}{"," if inner else ""}{inner},'
                f'"meta":{{"resourceType":"User","created":"{created_text}",'
                f'"lastModified":"{modified_text}","location":{head}{ident[1:]}}}}}'
            )
        return texts

    def _schemas_of_flags(self, flags: int) -> str:
        """The encoded ``schemas`` of a record's flags (remembered: one entry per value seen)."""
        held = [self._core, *(uri for bit, (uri, _) in enumerate(self._extensions) if flags >> bit & 1)]
        known = self._schemas_by_flags[flags] = self._core_only if len(held) == 1 else _encode(held)
        return known

    def _location_head(self, base_url: str) -> str:
        """The encoded ``meta.location`` up to the id, without its closing quote: JSON escapes
        character by character, so the id's encoding without its opening quote completes it."""
        return _encode(user_location(base_url, ""))[:-1]

    def _text(self, user: StoredUser, base_url: str, location_head: str) -> str:
        text = user.attributes_json
        if text[:1] != "{" or self._collides(text) is not None:
            return self._dict_text(user, base_url)
        schemas = self._core_only
        for _, key in self._extensions:
            if key in text:
                schemas = self._schemas(user, text)
                break
        ident = _encode_string(user.id)
        inner = text[1:-1]
        created = self.timestamp(user.created)
        modified = created if user.last_modified == user.created else self.timestamp(user.last_modified)
        return (
            f'{{"schemas":{schemas},"id":{ident}{"," if inner else ""}{inner},"meta":{{"resourceType":"User",'
            f'"created":"{created}","lastModified":"{modified}","location":{location_head}{ident[1:]}}}}}'
        )

    def _dict_text(self, user: StoredUser, base_url: str) -> str:
        """The slow path: :func:`render_user`'s dict, encoded."""
        return _encode(
            render_user(user, self.schemas_of(user.attributes), self.profile, base_url, copy=False)
        )

    def _schemas(self, user: StoredUser, text: str) -> str:
        """The encoded ``schemas`` of a user whose text names an extension."""
        held = tuple(uri for uri, key in self._extensions if key in text and user.has_value(uri))
        if not held:
            return self._core_only
        known = self._schemas_text.get(held)
        if known is None:
            known = self._schemas_text[held] = _encode([self._core, *held])
        return known
