from lru import LRUCache


def test_get_returns_what_was_put():
    cache = LRUCache(2)
    cache.put("a", 1)
    assert cache.get("a") == 1


def test_oldest_key_is_evicted():
    cache = LRUCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    cache.put("c", 3)
    assert cache.get("a") is None
    assert len(cache) == 2


def test_get_keeps_a_key_alive():
    cache = LRUCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    cache.get("a")
    cache.put("c", 3)
    assert cache.get("a") == 1
    assert cache.get("b") is None
