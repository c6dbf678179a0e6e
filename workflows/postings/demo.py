"""Demo records (filled in below)."""


def seed_demo(stdout):
    return None
