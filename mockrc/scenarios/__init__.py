"""Scripted scenarios: what goes wrong with RingCentral, replayed on demand over the fake.

``loader`` reads and checks scenario files, ``model`` holds what they say, ``matching`` decides
whether a request matches a step, ``engine`` runs the active scenarios, and ``actions`` applies
the changes a step makes to the fake. None of it imports Flask: ``mockrc.http.scenario_overlay``
is the thin HTTP side.
"""
