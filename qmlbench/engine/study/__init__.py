"""Studies: a grid of experiments (datasets x models x hyper-parameters x dimensions x
seeds) or of plateau points (widths x depths x costs x inits x seeds) from one JSON spec
(``spec``), run cell by cell, here or on a Dask cluster, each finished cell saved at once
and skipped by a re-run (``runner``, ``cells``).

    table = qb.study.run("study.json", out="results/small", client=None)
"""

from .cells import CELLS_DIR, finished, run_cell, save
from .runner import STUDY_FILE, TABLE_FILE, StudyProgress, results, run, table
from .spec import KINDS, Cell, StudySpec, cell_key, load

__all__ = ["run", "load", "results", "table", "StudySpec", "StudyProgress", "Cell", "cell_key",
           "run_cell", "finished", "save", "KINDS", "CELLS_DIR", "STUDY_FILE", "TABLE_FILE"]
