def draw_map(*a, **k): pass
def save_map(*a, **k): pass
