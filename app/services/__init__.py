"""Domain operations. They flush, never commit; views commit."""


class ServiceError(Exception):
    """A business rule refused an operation; the message is shown to the user."""
