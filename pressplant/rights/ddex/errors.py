"""The one error a DDEX message can raise: the message is refused as a whole."""


class DdexError(ValueError):
    """A message that cannot be read as DDEX ERN (hostile, malformed or of an unknown version)."""
