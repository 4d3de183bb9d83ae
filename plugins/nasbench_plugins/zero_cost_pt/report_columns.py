"""What the Zero-Cost-PT family adds to ``nasbench report``: the per-edge Spearman ρ of a run's
scores against the best-acc oracle (initial proposal and progressive steps), and the settings of
Algorithm 1 printed in every row that has them (N proposals, V validation batches, edge order,
minibatch size)."""

from nasbench.api import ReportColumn, hookimpl

COLUMNS = (
    ReportColumn("ρ init", metric="edge_spearman_initial"),
    ReportColumn("ρ prog", metric="edge_spearman_progressive"),
    ReportColumn("proposals", setting="proposals"),
    ReportColumn("validation", setting="validation"),
    ReportColumn("edge_order", setting="edge_order"),
    ReportColumn("batch_size", setting="batch_size"),
)


@hookimpl
def nasbench_register_report_columns(register):
    for column in COLUMNS:
        register(column)
