"""A small bounded cache for one process: answers kept under a key that names every input, so never stale."""
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

T = TypeVar("T")


class BoundedCache(Generic[T]):
    """Least recently used answers, at most `size`, shared by the threads of one process.

    Unlike Django's local-memory cache it keeps the objects themselves (no pickling on every read: for the tariff
    list's 2,000 flags that was a third of the work the cache saved). The key must name every input of the answer;
    nothing is ever invalidated, an answer only falls out when `size` newer ones came after it.
    """

    def __init__(self, size: int):
        self.size = size
        self._items: OrderedDict[Hashable, T] = OrderedDict()
        self._lock = threading.Lock()

    def has(self, key: Hashable) -> bool:
        with self._lock:
            return key in self._items

    def get_or_make(self, key: Hashable, make: Callable[[], T]) -> T:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = make()  # outside the lock: two threads may both make it, and the answers are the same
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
