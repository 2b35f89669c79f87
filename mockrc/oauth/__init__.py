"""RingCentral's OAuth 2.0 authorization server as plain Python (no Flask); see ``server.py``."""
