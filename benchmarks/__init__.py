"""mockrc's benchmark: speed and memory figures for the SCIM Users API (``python -m benchmarks.bench_scim``).

Not part of the installed package and not run by the test suite (only a smoke test calls its
functions with tiny sizes): figures depend on the machine, so they are printed, never asserted.
"""
