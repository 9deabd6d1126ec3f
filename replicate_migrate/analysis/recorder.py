"""What one module's analysis collects: node ids, call sites, uses and functions."""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from replicate_migrate.analysis.values import (
    CallSite,
    Category,
    Function,
    Result,
    Use,
    Values,
)


@dataclass
class Recorder:
    """Mutable while one module is walked; frozen into ModuleFacts afterwards."""

    module_name: str
    nodes: list[cst.CSTNode] = field(default_factory=list)
    ids: dict[int, int] = field(default_factory=dict)
    calls: list[CallSite] = field(default_factory=list)
    call_nodes: list[cst.Call] = field(default_factory=list)
    uses: dict[tuple[Result, int, Category], Use] = field(default_factory=dict)
    functions: dict[str, Function] = field(default_factory=dict)
    classes: list[str] = field(default_factory=list)
    # Module-level names bound to another project name (`from .client import generate`).
    aliases: dict[str, str] = field(default_factory=dict)
    stars: list[str] = field(default_factory=list)  # project modules imported with `*`
    top: cst.CSTNode | None = None  # the module-level statement being walked
    statement: cst.CSTNode | None = None  # the innermost statement being walked
    tops: list[cst.CSTNode | None] = field(default_factory=list)  # per node id
    statements: list[cst.CSTNode | None] = field(default_factory=list)  # per node id
    body: tuple[cst.CSTNode, ...] = ()  # the module's top-level statements that were walked

    def node_id(self, node: cst.CSTNode) -> int:
        key = id(node)
        found = self.ids.get(key)
        if found is None:
            found = self.ids[key] = len(self.nodes)
            self.nodes.append(node)
            self.tops.append(self.top)
            self.statements.append(self.statement)
        return found

    def use(
        self,
        node: cst.CSTNode,
        values: Values,
        category: Category,
        detail: str,
        scope: str,
        target: str = "",
    ) -> None:
        """Record one use per tracked value held by `node`."""
        results = [v for v in values if isinstance(v, Result)]
        if not results:
            return
        # A `.url` at this node is right only when it can hold nothing but this one value:
        # the result of another call (another branch) may get its own fix elsewhere.
        pure = len(values) == 1
        node_id = self.node_id(node)
        for result in results:
            # Loops are walked twice; the same use must count once.
            key = (result, node_id, category)
            if key not in self.uses:
                self.uses[key] = Use(result, category, node_id, detail, scope, pure, target)
