def seed_demo(stdout):
    return None
