"""Gate angles for a whole batch of parameter values at once.

A gate angle in a qiskit circuit is a number, a bare ``Parameter`` or a
``ParameterExpression`` such as ``2*(pi - x[0])*(pi - x[1])`` (ZZ feature
maps).  qiskit binds expressions one scalar at a time; here each expression
is compiled once into a numpy function of the columns of the
``(batch, num_parameters)`` value array, together with its partial
derivatives (qiskit's symbolic ``gradient``) for the chain rule of gradients.
Compilation reads qiskit's own expression text back as numpy code and checks
it against qiskit's value at a random point; sympy's ``lambdify`` (10 ms per
expression) is the fallback.
"""

from __future__ import annotations

import keyword

import numpy as np
from qiskit.circuit import Parameter, ParameterExpression

from ..errors import QmlbenchError


class AngleFn:
    """One gate angle as a function of the circuit's parameter columns.

    ``value(values)`` returns a ``(batch,)`` array (or a Python float for a
    constant); ``derivatives`` maps a column index to d(angle)/d(column): a
    float when constant, else a function of the same columns.
    """

    __slots__ = ("const", "column", "scale", "offset", "_fn", "_cols", "derivatives", "text")

    def __init__(self):
        self.const = None
        self.column = None
        self.scale = 1.0
        self.offset = 0.0
        self._fn = None
        self._cols = ()
        self.derivatives: dict[int, object] = {}
        self.text = ""

    @property
    def is_constant(self) -> bool:
        return self.const is not None

    def value(self, values: np.ndarray):
        if self.const is not None:
            return self.const
        if self._fn is None:
            col = values[:, self.column]
            if self.scale != 1.0:
                col = col * self.scale
            return col + self.offset if self.offset else col
        return _as_batch(self._fn(*(values[:, c] for c in self._cols)), values.shape[0])

    def derivative(self, col: int, values: np.ndarray):
        d = self.derivatives[col]
        if callable(d):
            return _as_batch(d(*(values[:, c] for c in self._cols)), values.shape[0])
        return d


def _as_batch(out, batch):
    out = np.asarray(out)
    out = np.real(out) if np.iscomplexobj(out) else out.astype(float, copy=False)
    return np.broadcast_to(out, (batch,))


_NAMESPACE = {"sin": np.sin, "cos": np.cos, "tan": np.tan, "asin": np.arcsin,
              "acos": np.arccos, "atan": np.arctan, "exp": np.exp, "log": np.log,
              "sqrt": np.sqrt, "abs": np.abs, "sign": np.sign, "pi": np.pi, "I": 1j,
              "conj": np.conj}


class _Vector:
    """``x`` in an expression string, so that ``x[3]`` reads column 3's values."""

    __slots__ = ("items",)

    def __init__(self):
        self.items = {}

    def __getitem__(self, i):
        return self.items[i]


def _string_function(expr: ParameterExpression, params):
    """Compile qiskit's own text of the expression into numpy code (sympy's lambdify costs
    ~10 ms per expression, which a feature map with dozens of them cannot afford).
    Returns None when the text cannot be read back safely."""
    binders = []
    for k, p in enumerate(params):
        vec = getattr(p, "vector", None)
        if vec is not None:
            if not vec.name.isidentifier() or vec.name in _NAMESPACE or p.name != f"{vec.name}[{p.index}]":
                return None
            binders.append((k, vec.name, p.index))
        else:
            if not p.name.isidentifier() or p.name in _NAMESPACE or keyword.iskeyword(p.name):
                return None
            binders.append((k, p.name, None))
    try:
        code = compile(str(expr), "<angle>", "eval")
    except SyntaxError:
        return None

    def fn(*cols):
        ns = dict(_NAMESPACE)
        for k, name, index in binders:
            if index is None:
                ns[name] = cols[k]
            else:
                ns.setdefault(name, _Vector()).items[index] = cols[k]
        return eval(code, {"__builtins__": {}}, ns)  # noqa: S307 - qiskit's own expression text

    return fn


def _numeric(expr, bindings) -> complex:
    if not isinstance(expr, ParameterExpression):
        return complex(expr)
    sub = {p: bindings[p] for p in expr.parameters}
    return complex(expr.bind(sub).numeric()) if sub else complex(expr.numeric())


def _check_point(params):
    rng = np.random.default_rng(12345)
    return {p: float(v) for p, v in zip(params, rng.uniform(0.2, 0.9, len(params)))}


def _agrees(fn, expr, params) -> bool:
    point = _check_point(params)
    try:
        got = complex(np.asarray(fn(*(np.array([point[p]]) for p in params))).ravel()[0])
        want = _numeric(expr, point)
    except Exception:  # noqa: BLE001 - anything unexpected counts as disagreement
        return False
    return abs(got - want) <= 1e-10 * max(1.0, abs(want))


def _function(expr: ParameterExpression, params, sym=None):
    """A function of the columns of ``params`` computing ``expr``, checked against qiskit.

    ``sym`` is the sympy form to fall back on (default ``expr.sympify()``); a derivative
    passes the derivative of its parent's sympy form, because qiskit 2.6's ``sympify`` of
    a gradient can be wrong (``(a*b).gradient(a).sympify()`` gives ``a``)."""
    fn = _string_function(expr, params)
    if fn is not None and _agrees(fn, expr, params):
        return fn
    import sympy  # only for text qiskit's own printer writes in a form we cannot read back

    sym = expr.sympify() if sym is None else sym
    by_name = {s.name: s for s in sym.free_symbols}
    symbols = [by_name.get(p.name, sympy.Symbol(p.name)) for p in params]
    fn = sympy.lambdify(symbols, sym, "numpy", dummify=True)
    if not _agrees(fn, expr, params):
        raise QmlbenchError(f"circuit: the gate angle {expr} could not be compiled exactly "
                            f"(its value disagrees with qiskit's); rename its parameters to "
                            f"plain identifiers")
    return fn


class _SympyDerivative:
    """d(expr)/d(param) where qiskit's own ``gradient`` refuses (``sign``, ``abs``): sympy's
    derivative with its distributional parts (``DiracDelta`` at the kinks) set to 0,
    which is the derivative everywhere but on a set of measure zero."""

    def __init__(self, expr: ParameterExpression, param):
        import sympy

        sym = expr.sympify()
        # real symbols, so that sympy knows d sign(x)/dx = 2 DiracDelta(x), d|x|/dx = sign(x)
        real = {s: sympy.Symbol(s.name, real=True) for s in sym.free_symbols}
        d = sympy.diff(sym.xreplace(real), sympy.Symbol(param.name, real=True))
        self.expr = d.replace(sympy.DiracDelta, lambda *args: sympy.Integer(0))
        if self.expr.has(sympy.Derivative):
            raise QmlbenchError(f"gradients: no derivative of the gate angle {expr} with "
                                f"respect to {param.name}")


def _gradient(expr: ParameterExpression, param):
    try:
        return expr.gradient(param)
    except RuntimeError:
        return _SympyDerivative(expr, param)


def _derivative_function(g, params, parent, param):
    if isinstance(g, _SympyDerivative):
        import sympy

        free = {s.name for s in g.expr.free_symbols}
        if not free:
            return float(g.expr)
        symbols = [sympy.Symbol(p.name, real=True) for p in params]
        return sympy.lambdify(symbols, g.expr, "numpy", dummify=True)
    if isinstance(g, ParameterExpression) and g.parameters:
        import sympy

        sym = parent.sympify()
        by_name = {s.name: s for s in sym.free_symbols}
        return _function(g, params, sympy.diff(sym, by_name[param.name]))
    return float(np.real(_numeric(g, {})))


class AngleCompiler:
    """Compiles gate angles of one circuit; identical expressions are compiled once."""

    def __init__(self, parameters):
        self._index = {p.name: i for i, p in enumerate(parameters)}
        self._cache: dict[tuple, AngleFn] = {}

    def compile(self, angle) -> AngleFn:
        if not isinstance(angle, ParameterExpression) or not angle.parameters:
            value = angle.numeric() if isinstance(angle, ParameterExpression) else angle
            fn = AngleFn()
            fn.const = float(np.real(complex(value)))
            fn.text = repr(fn.const)
            return fn
        # the text alone would confuse a Parameter named "-x" with the expression -x
        key = (isinstance(angle, Parameter), str(angle),
               tuple(sorted(p.name for p in angle.parameters)))
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        fn = AngleFn()
        fn.text = str(angle)
        if isinstance(angle, Parameter):
            fn.column = self._index[angle.name]
            fn.derivatives = {fn.column: 1.0}
            self._cache[key] = fn
            return fn
        params = sorted(angle.parameters, key=lambda p: self._index[p.name])
        cols = tuple(self._index[p.name] for p in params)
        fn._cols = cols
        grads = [_gradient(angle, p) for p in params]
        if (len(params) == 1 and not isinstance(grads[0], _SympyDerivative)
                and not (isinstance(grads[0], ParameterExpression) and grads[0].parameters)):
            # a*p + b (2*x[1] in Z maps, -x in decompositions): no Python call per evaluation
            fn.column = cols[0]
            fn.scale = float(np.real(_numeric(grads[0], {})))
            fn.offset = float(np.real(_numeric(angle, {params[0]: 0.0})))
            fn.derivatives = {cols[0]: fn.scale}
        else:
            fn._fn = _function(angle, params)
            for p, c, g in zip(params, cols, grads):
                fn.derivatives[c] = _derivative_function(g, params, angle, p)
        self._cache[key] = fn
        return fn
