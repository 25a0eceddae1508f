from lru import LRUCache


def check_put_refreshes_a_key():
    cache = LRUCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    cache.put("a", 10)
    cache.put("c", 3)
    assert cache.get("a") == 10
    assert cache.get("b") is None


def check_default_for_missing_key():
    assert LRUCache(1).get("x", 0) == 0


def check_capacity_one():
    cache = LRUCache(1)
    cache.put(1, "one")
    cache.put(2, "two")
    assert cache.get(1) is None
    assert cache.get(2) == "two"


def check_repeated_gets_order():
    cache = LRUCache(3)
    for key in "abc":
        cache.put(key, key.upper())
    cache.get("a")
    cache.get("b")
    cache.put("d", "D")
    assert cache.get("c") is None
    assert [cache.get(k) for k in "abd"] == ["A", "B", "D"]


def check_missing_get_does_not_insert():
    cache = LRUCache(2)
    cache.get("ghost")
    assert len(cache) == 0
