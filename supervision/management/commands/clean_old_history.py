from ._refused_history_command import RefusedHistoryCommand


class Command(RefusedHistoryCommand):
    help = "Refused: history is append-only (simple-history's clean_old_history would delete rows)."
    what = "clean_old_history"
