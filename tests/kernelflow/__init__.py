"""A small workflow used only by the kernel's tests (installed by config.settings.test)."""
