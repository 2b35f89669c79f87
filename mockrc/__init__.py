"""mockrc: a stateful fake of RingCentral's OAuth 2.0 and SCIM 2.0 APIs."""
