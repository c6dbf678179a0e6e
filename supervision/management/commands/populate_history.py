from ._refused_history_command import RefusedHistoryCommand


class Command(RefusedHistoryCommand):
    help = "Refused: history is append-only (simple-history's populate_history would write rows outside the chain)."
    what = "populate_history"
