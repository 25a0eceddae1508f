def pop_until(stack, marker):
    """Pop items off ``stack`` down to ``marker`` (popped too, not returned); all of them
    when the marker is missing. The popped items, top first."""
    popped = []
    while True:
        item = stack.pop()
        if item == marker:
            break
        popped.append(item)
    return popped
