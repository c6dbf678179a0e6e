"""Side effects of the postings transitions, one ``do_<transition>`` function per transition
(readable top to bottom), one module per record type. ``rules.dispatching(module)`` is each
record type's ``after_transition``: it calls ``module.do_<name>(ctx)`` when there is one, inside
the transition's transaction (a refusal raised here rolls everything back), then notifies.

The transition methods on the models only set the record's own fields."""
