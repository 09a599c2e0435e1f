"""Id lists in pieces: SQLite refuses very long IN lists ("Expression tree is too large", about a thousand
parameters), so batch reads go chunk by chunk."""
from collections.abc import Iterable, Iterator

CHUNK = 500


def chunks(ids: Iterable, size: int = CHUNK) -> Iterator[list]:
    """The distinct ids, sorted, in lists of at most `size`."""
    ordered = sorted(set(ids))
    for index in range(0, len(ordered), size):
        yield ordered[index:index + size]
