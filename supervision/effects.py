"""The side-effect convention (#12): one service function per transition, named ``do_<transition>``
(Zulip's ``do_*`` style), readable top to bottom — the rows it writes, the follow-on transitions,
the notifications, the cross-workflow signals — so "what does respond do" is in one place.

A record type's ``after_transition`` is the kernel's dispatcher over the module holding them::

    registry.RecordType(model=NoticeAssignment, ..., after_transition=effects.dispatcher(services))

``run_transition`` calls it inside the transition's transaction, after the record and its history
row are saved; a transition without a ``do_<name>`` has no side effects. Two record types whose
``do_*`` live in one module must not share a transition name (``check_dispatchers`` says so).
"""
from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

PREFIX = "do_"


def dispatch(ctx, module: ModuleType) -> bool:
    """Run ``module.do_<ctx.name>(ctx)`` if the module defines it; True if something ran."""
    effect = getattr(module, PREFIX + ctx.name, None)
    if effect is None:
        return False
    effect(ctx)
    return True


def dispatcher(module: ModuleType) -> Callable[[object], None]:
    """The ``after_transition`` hook of a record type whose side effects are ``module``'s ``do_*``."""

    def after_transition(ctx) -> None:
        dispatch(ctx, module)

    after_transition.effects_module = module
    after_transition.__qualname__ = f"dispatcher({module.__name__})"
    return after_transition


def effects_of(module: ModuleType) -> dict[str, Callable]:
    """{transition name: its do_* function} in ``module``."""
    return {name[len(PREFIX):]: fn for name, fn in vars(module).items()
            if name.startswith(PREFIX) and callable(fn)}


def check_dispatchers() -> list[str]:
    """Problems with the registered dispatchers: a ``do_<name>`` naming no transition of the record
    types it serves, or one name serving two record types of one module (ambiguous)."""
    from . import registry

    by_module: dict[str, list] = {}
    for rt in registry.record_types():
        module = getattr(rt.after_transition, "effects_module", None)
        if module is not None:
            by_module.setdefault(module.__name__, [module, []])[1].append(rt)
    problems = []
    for name, (module, types) in by_module.items():
        owners: dict[str, list[str]] = {}
        for rt in types:
            for transition in rt.transitions():
                owners.setdefault(transition, []).append(rt.key)
        for effect in effects_of(module):
            if effect not in owners:
                problems.append(f"{name}.{PREFIX}{effect}: no transition {effect!r} in {[rt.key for rt in types]}")
            elif len(owners[effect]) > 1:
                problems.append(f"{name}.{PREFIX}{effect}: ambiguous between {owners[effect]}")
    return problems
