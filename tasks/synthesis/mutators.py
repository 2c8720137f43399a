"""Bug mutators: AST-located edits of a module's source text (pure: no I/O).

Each mutator finds *sites* in a module: a node on one line inside a function, and the text that
replaces exactly that node's span (`ast.unparse` of the mutated node), so the rest of the file
keeps its formatting and comments. Sites are listed in source order; a seeded shuffle picks them,
so the same seed gives the same bugs.
"""

from __future__ import annotations

import ast
import copy
import random
from dataclasses import dataclass

from tasks.synthesis.parsing import AST_LOCK, parse

COMPARE_FLIPS = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq, ast.NotEq: ast.Eq,
                 ast.Is: ast.IsNot, ast.IsNot: ast.Is, ast.In: ast.NotIn, ast.NotIn: ast.In}
ARITHMETIC_FLIPS = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.FloorDiv, ast.FloorDiv: ast.Mult, ast.Mod: ast.FloorDiv}


@dataclass(frozen=True)
class Site:
    module: str  # path of the module inside the package
    mutator: str  # which kind of bug
    function: str  # qualified name of the enclosing function
    lineno: int  # 1-based line of the span
    col: int  # character offsets on that line
    end_col: int
    replacement: str  # the new text of the span (may span lines for inserted statements)
    parenthesized: str = ""  # the same in parentheses, when precedence may need them
    expected: str = ""  # ast.dump of the new node: how `mutate` knows the bare text parsed as meant

    @property
    def key(self) -> str:
        return f"{self.module}:{self.lineno}:{self.col}:{self.mutator}"


def _char_col(line: str, byte_col: int) -> int:
    return len(line.encode("utf-8")[:byte_col].decode("utf-8", errors="ignore"))


def apply(text: str, site: Site) -> str:
    """The module text with the site's span replaced; the other lines untouched."""
    lines = text.splitlines(keepends=True)
    line = lines[site.lineno - 1]
    lines[site.lineno - 1] = line[: site.col] + site.replacement + line[site.end_col :]
    return "".join(lines)


class _Finder(ast.NodeVisitor):
    def __init__(self, module: str, text: str):
        self.module = module
        self.lines = text.splitlines()
        self.stack: list[str] = []
        self.functions: list[ast.FunctionDef | ast.AsyncFunctionDef] = []
        self.sites: list[Site] = []

    # -- scope ------------------------------------------------------------------------------
    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.stack.append(node.name)
        for stmt in node.body:
            self.visit(stmt)
        self.stack.pop()

    def visit_FunctionDef(self, node) -> None:
        self.stack.append(node.name)
        self.functions.append(node)
        self._defaults(node)
        self._body(node.body, node)
        for stmt in node.body:
            self.visit(stmt)
        self.functions.pop()
        self.stack.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def generic_visit(self, node: ast.AST) -> None:
        if self.functions:
            self._expression(node)
            if isinstance(node, (ast.For, ast.While, ast.If, ast.With, ast.Try)):
                for body in ("body", "orelse", "finalbody"):
                    stmts = getattr(node, body, None)
                    if stmts:
                        self._body(stmts, node)
        super().generic_visit(node)

    # -- helpers ----------------------------------------------------------------------------
    def _one_line(self, node: ast.AST) -> bool:
        return getattr(node, "lineno", None) is not None and node.lineno == node.end_lineno

    def _add(self, mutator: str, node: ast.AST, new: ast.AST | str, expected: ast.AST | None = None) -> None:
        if not self._one_line(node):
            return
        line = self.lines[node.lineno - 1]
        col, end = _char_col(line, node.col_offset), _char_col(line, node.end_col_offset)
        text = new if isinstance(new, str) else ast.unparse(new)
        new = expected if expected is not None else new
        if text == line[col:end]:
            return
        if isinstance(new, ast.expr):
            site = Site(self.module, mutator, ".".join(self.stack), node.lineno, col, end, text, f"({text})", ast.dump(new))
        else:
            site = Site(self.module, mutator, ".".join(self.stack), node.lineno, col, end, text)
        self.sites.append(site)

    # -- expressions --------------------------------------------------------------------------
    # Replacement texts are built from the original text of the node's parts, so quotes, spacing
    # and literals stay as the author wrote them; only the changed token differs.
    def _seg(self, node: ast.AST) -> str:
        line = self.lines[node.lineno - 1]
        return line[_char_col(line, node.col_offset) : _char_col(line, node.end_col_offset)]

    def _gap(self, left: ast.AST, right: ast.AST) -> str:
        line = self.lines[left.end_lineno - 1]
        return line[_char_col(line, left.end_col_offset) : _char_col(line, right.col_offset)]

    def _splice(self, node: ast.AST, left: ast.AST, right: ast.AST, middle: str) -> str:
        """The node's own text with the gap between two of its operands replaced (parentheses kept)."""
        line = self.lines[node.lineno - 1]
        start, end = _char_col(line, node.col_offset), _char_col(line, node.end_col_offset)
        gap_start, gap_end = _char_col(line, left.end_col_offset), _char_col(line, right.col_offset)
        return line[start:gap_start] + middle + line[gap_end:end]

    def _add_text(self, mutator: str, node: ast.AST, text: str, expected: ast.AST) -> None:
        if self._one_line(node) and all(self._one_line(n) for n in ast.walk(node) if hasattr(n, "lineno")):
            self._add(mutator, node, text, expected)

    def _expression(self, node: ast.AST) -> None:
        if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in COMPARE_FLIPS:
            new = copy.deepcopy(node)
            new.ops = [COMPARE_FLIPS[type(node.ops[0])]()]
            token = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!=", ast.Is: "is", ast.IsNot: "is not", ast.In: "in", ast.NotIn: "not in"}
            gap = self._gap(node.left, node.comparators[0]) if self._one_line(node) else ""
            if _operator_in(gap) == token[type(node.ops[0])]:
                middle = gap.replace(token[type(node.ops[0])], token[type(new.ops[0])], 1)
                self._add_text("flip_comparison", node, self._splice(node, node.left, node.comparators[0], middle), new)
        elif isinstance(node, ast.BoolOp) and len(node.values) == 2 and self._one_line(node):
            new = copy.deepcopy(node)
            new.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
            gap = self._gap(node.values[0], node.values[1])
            flipped = gap.replace("and", "or") if isinstance(node.op, ast.And) else gap.replace("or", "and")
            self._add_text("flip_boolean", node, self._splice(node, node.values[0], node.values[1], flipped), new)
            self._add_text("drop_condition", node, self._seg(node.values[0]), copy.deepcopy(node.values[0]))
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not) and self._one_line(node):
            self._add_text("invert_condition", node, self._seg(node.operand), copy.deepcopy(node.operand))
        elif isinstance(node, ast.BinOp) and type(node.op) in ARITHMETIC_FLIPS and not _stringy(node) and self._one_line(node):
            new = copy.deepcopy(node)
            new.op = ARITHMETIC_FLIPS[type(node.op)]()
            token = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.FloorDiv: "//", ast.Mod: "%"}
            gap = self._gap(node.left, node.right)
            if _operator_in(gap) == token[type(node.op)]:
                middle = gap.replace(token[type(node.op)], token[type(new.op)], 1)
                self._add_text("flip_arithmetic", node, self._splice(node, node.left, node.right, middle), new)
        elif isinstance(node, ast.Call):
            self._call(node)
        elif isinstance(node, ast.Slice):
            for bound, op, sign in (("lower", ast.Sub(), "-"), ("upper", ast.Add(), "+")):
                value = getattr(node, bound)
                if value is not None and self._one_line(value):
                    self._add_text("off_by_one", value, f"{self._seg(value)} {sign} 1", ast.BinOp(copy.deepcopy(value), op, ast.Constant(1)))
        elif isinstance(node, ast.Constant) and type(node.value) is int:
            self._add("change_constant", node, ast.Constant(node.value + 1 if node.value != 1 else 0))
        elif isinstance(node, ast.Constant) and isinstance(node.value, bool):
            self._add("change_constant", node, ast.Constant(not node.value))
        elif isinstance(node, ast.If) and self._one_line(node.test) and not isinstance(node.test, (ast.Compare, ast.UnaryOp, ast.BoolOp)):
            self._add_text("invert_condition", node.test, f"not {self._seg(node.test)}", ast.UnaryOp(ast.Not(), copy.deepcopy(node.test)))
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            self._wrong_variable(node)

    def _call(self, node: ast.Call) -> None:
        name = node.func.id if isinstance(node.func, ast.Name) else None
        if name == "range" and node.args:
            stop = node.args[0] if len(node.args) == 1 else node.args[1]
            if self._one_line(stop):
                self._add_text("off_by_one", stop, f"{self._seg(stop)} - 1", ast.BinOp(copy.deepcopy(stop), ast.Sub(), ast.Constant(1)))
        plain = [a for a in node.args if not isinstance(a, ast.Starred)]
        if len(plain) == len(node.args) >= 2 and ast.dump(node.args[0]) != ast.dump(node.args[1]) and name not in ("isinstance", "getattr", "setattr", "hasattr") and self._one_line(node):
            new = copy.deepcopy(node)
            new.args[0], new.args[1] = new.args[1], new.args[0]
            first, second = node.args[0], node.args[1]
            line = self.lines[node.lineno - 1]
            col, end = _char_col(line, node.col_offset), _char_col(line, node.end_col_offset)
            a0, a1 = _char_col(line, first.col_offset), _char_col(line, first.end_col_offset)
            b0, b1 = _char_col(line, second.col_offset), _char_col(line, second.end_col_offset)
            text = line[col:a0] + line[b0:b1] + line[a1:b0] + line[a0:a1] + line[b1:end]
            self._add_text("swap_arguments", node, text, new)

    def _wrong_variable(self, node: ast.Name) -> None:
        function = self.functions[-1]
        params = [a.arg for a in (*function.args.posonlyargs, *function.args.args, *function.args.kwonlyargs) if a.arg not in ("self", "cls")]
        if node.id not in params:
            return
        others = [p for p in params if p != node.id]
        if others:
            self._add("wrong_variable", node, ast.Name(others[0], ast.Load()))

    # -- statements -------------------------------------------------------------------------
    def _defaults(self, node) -> None:
        for default in (*node.args.defaults, *node.args.kw_defaults):
            if isinstance(default, ast.Constant) and default.value is not None and type(default.value) in (int, bool, float):
                value = default.value
                new = (not value) if isinstance(value, bool) else value + 1
                self._add("wrong_default", default, ast.Constant(new))

    def _body(self, body: list[ast.stmt], owner: ast.AST) -> None:
        if len(body) >= 2:
            for stmt in body:
                if isinstance(stmt, (ast.Assign, ast.AugAssign, ast.Expr)) and self._one_line(stmt) and not _is_docstring(stmt):
                    line = self.lines[stmt.lineno - 1]
                    if line[: _char_col(line, stmt.col_offset)].strip() == "" and line[_char_col(line, stmt.end_col_offset) :].strip() in ("", ):
                        # The whole line goes (a blank line stays): no `pass` to point at the spot.
                        self.sites.append(Site(self.module, "remove_statement", ".".join(self.stack), stmt.lineno, 0, len(line), ""))
        if isinstance(owner, (ast.FunctionDef, ast.AsyncFunctionDef)):
            returns = [s for s in body if isinstance(s, ast.Return) and isinstance(s.value, ast.Name)]
            for i, stmt in enumerate(body):
                if isinstance(stmt, ast.For) and returns and returns[-1] in body[i + 1 :]:
                    last = stmt.body[-1]
                    if self._one_line(last) and not isinstance(last, (ast.Return, ast.Continue, ast.Break)):
                        line = self.lines[last.lineno - 1]
                        indent = line[: len(line) - len(line.lstrip())]
                        original = line[_char_col(line, last.col_offset) : _char_col(line, last.end_col_offset)]
                        self._add("early_return", last, f"{original}\n{indent}return {returns[-1].value.id}")


def _operator_in(gap: str) -> str:
    """The operator between two operands' texts, whatever parentheses surround them: ") * (" -> "*"."""
    return " ".join(gap.replace("(", " ").replace(")", " ").split())


def _stringy(node: ast.BinOp) -> bool:
    return any(isinstance(side, ast.JoinedStr) or (isinstance(side, ast.Constant) and isinstance(side.value, (str, bytes))) for side in (node.left, node.right))


def _is_docstring(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str)


def find_sites(module: str, text: str) -> list[Site]:
    """Every site of every mutator in a module, in source order (empty if it does not parse)."""
    try:
        tree = parse(text)
    except SyntaxError:
        return []
    finder = _Finder(module, text)
    for stmt in tree.body:
        finder.visit(stmt)
    unique = {site.key + site.replacement: site for site in finder.sites}
    return sorted(unique.values(), key=lambda s: (s.lineno, s.col, s.mutator, s.replacement))



def mutate(text: str, site: Site) -> str | None:
    """The mutant text, or None when it does not compile (then it is no candidate)."""
    new = apply(text, site)
    try:
        tree = parse(new)
    except (SyntaxError, ValueError):
        tree = None
    if site.expected and (tree is None or not _parsed_as_meant(tree, site)):
        # Precedence made the bare text mean something else: parenthesize it.
        new = apply(text, Site(**{**site.__dict__, "replacement": site.parenthesized}))
        try:
            tree = parse(new)
        except (SyntaxError, ValueError):
            return None
    if tree is None:
        return None
    try:
        with AST_LOCK:
            compile(tree, site.module, "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return None
    return new


def _parsed_as_meant(tree: ast.Module, site: Site) -> bool:
    for node in ast.walk(tree):
        if getattr(node, "lineno", None) == site.lineno and isinstance(node, ast.expr) and ast.dump(node) == site.expected:
            return True
    return False


def seeded_order(sites: list[Site], seed: int, salt: str) -> list[Site]:
    """The order candidates are tried in: a shuffle fixed by the seed and the package, so one seed
    always gives the same tasks."""
    ordered = sorted(sites, key=lambda s: (s.module, s.lineno, s.col, s.mutator, s.replacement))
    random.Random(f"{seed}:{salt}").shuffle(ordered)
    return ordered
