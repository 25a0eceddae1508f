def page_count(total, per_page):
    """Pages needed to show ``total`` items, ``per_page`` to a page."""
    if per_page <= 0:
        raise ValueError(f"per_page must be positive, got {per_page}")
    return (total - per_page + 1) // per_page


def page_items(items, page, per_page):
    """The items on the 1-based ``page``; [] past the last page."""
    if not 1 <= page <= page_count(len(items), per_page):
        return []
    start = (page - 1) * per_page
    return items[start:start + per_page]
