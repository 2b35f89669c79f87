"""``/favicon.ico``: the icon a browser asks every site for is mockrc's own, not RingCentral traffic."""

from __future__ import annotations

from pathlib import Path

from tests.http.conftest import Fake

SVG = "image/svg+xml"


def test_the_browsers_icon_is_served_and_kept_out_of_the_journal_and_the_dashboard(
    fake: Fake, tmp_path: Path
) -> None:
    """Before: a 404 that sat in the journal (and so in a CI report and on the dashboard) as if the
    client under test had asked RingCentral for it. A scenario answering every request leaves it be."""
    everything = tmp_path / "everything.yaml"
    everything.write_text("name: everything\nsteps:\n  - {id: all, respond: {status: 503}}\n")
    fake.state.scenarios.activate(everything)

    icon = fake.session.get(fake.url("/favicon.ico"), timeout=10)
    linked = fake.session.get(fake.url("/__mockrc/ui/favicon.svg"), timeout=10)

    assert (icon.status_code, icon.headers["Content-Type"]) == (200, SVG)
    assert icon.text.startswith("<svg xmlns=") and icon.content == linked.content
    assert linked.headers["Content-Type"] == SVG
    assert fake.get("/__mockrc/journal").json()["total"] == 0
    assert fake.get("/__mockrc/ui/api/overview").json()["journal"]["entries"] == []
    page = fake.session.get(fake.url("/__mockrc/ui"), timeout=10).text
    assert '<link rel="icon" href="/__mockrc/ui/favicon.svg" type="image/svg+xml">' in page
    assert fake.get("/scim/v2/Users").status_code == 503  # the scenario does answer RingCentral's paths
