"""`if` statements: each branch walked on a copy of the environment, then merged."""

from __future__ import annotations

import libcst as cst

from replicate_migrate.analysis.binding import Binder
from replicate_migrate.analysis.expressions import NOTHING
from replicate_migrate.analysis.normalise import as_list, listed_target


class Conditionals(Binder):
    def conditional(self, node: cst.If) -> None:
        """Both branches, merged; `if not isinstance(x, list): x = [x]` makes `x` a list."""
        listed = listed_target(node)
        before = self.lookup(listed) if listed is not None else NOTHING
        self.guarded_if(node)  # the test, then both branches (narrowed when it is a str/FileOutput guard)
        if listed is not None:
            self.env[listed] = as_list(before)
