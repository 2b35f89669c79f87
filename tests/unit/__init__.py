"""Unit tests of the domain: no HTTP, no Flask."""
