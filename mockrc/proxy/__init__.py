"""``mockrc proxy``: the fake's rules on traffic to a real RingCentral (issue 15).

Plain Python, no Flask: :mod:`.upstream` forwards a request and brings the answer back,
:mod:`.predict` asks a private copy of the fake what it would have answered, :mod:`.compare`
turns the two answers into fidelity findings (:mod:`.findings`), and :mod:`.shapes` checks an
upstream's body against the shapes the fake answers. The HTTP side is one step of the app
factory (:mod:`mockrc.http.proxy_forward`).
"""
