"""Gate angles for a whole batch of parameter values at once.

A gate angle in a qiskit circuit is a number, a bare ``Parameter`` or a
``ParameterExpression`` such as ``2*(pi - x[0])*(pi - x[1])`` (ZZ feature
maps).  qiskit binds expressions one scalar at a time; here each expression
is compiled once (through sympy's numpy printer) into a function of the
columns of the ``(batch, num_parameters)`` value array, together with its
partial derivatives for the chain rule of gradients.
"""

from __future__ import annotations

import numpy as np
import sympy
from qiskit.circuit import Parameter, ParameterExpression


class AngleFn:
    """One gate angle as a function of the circuit's parameter columns.

    ``value(values)`` returns a ``(batch,)`` array (or a Python float for a
    constant); ``derivatives`` maps a column index to a function giving
    d(angle)/d(column) for the batch (a float when the derivative is constant).
    """

    __slots__ = ("const", "column", "scale", "_fn", "_cols", "derivatives", "text")

    def __init__(self):
        self.const = None
        self.column = None
        self.scale = 1.0
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
            return values[:, self.column] * self.scale if self.scale != 1.0 else values[:, self.column]
        out = self._fn(*(values[:, c] for c in self._cols))
        out = np.real(np.asarray(out, dtype=complex)) if np.iscomplexobj(out) else np.asarray(out, dtype=float)
        return np.broadcast_to(out, (values.shape[0],))

    def derivative(self, col: int, values: np.ndarray):
        d = self.derivatives[col]
        if callable(d):
            out = d(*(values[:, c] for c in self._cols))
            out = np.real(np.asarray(out, dtype=complex)) if np.iscomplexobj(out) else np.asarray(out, dtype=float)
            return np.broadcast_to(out, (values.shape[0],))
        return d


def _lambdify(expr, symbols):
    return sympy.lambdify(symbols, expr, "numpy", dummify=True)


class AngleCompiler:
    """Compiles gate angles of one circuit; identical expressions are compiled once."""

    def __init__(self, parameters):
        self._index = {p.name: i for i, p in enumerate(parameters)}
        self._cache: dict[str, AngleFn] = {}

    def compile(self, angle) -> AngleFn:
        if not isinstance(angle, ParameterExpression):
            fn = AngleFn()
            fn.const = float(np.real(complex(angle)))
            fn.text = repr(fn.const)
            return fn
        if not angle.parameters:
            fn = AngleFn()
            fn.const = float(np.real(complex(angle.numeric())))
            fn.text = repr(fn.const)
            return fn
        key = str(angle)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        fn = AngleFn()
        fn.text = key
        if isinstance(angle, Parameter):
            fn.column = self._index[angle.name]
            fn.derivatives = {fn.column: 1.0}
        else:
            expr = angle.sympify()
            symbols = sorted(expr.free_symbols, key=lambda s: self._index[s.name])
            cols = tuple(self._index[s.name] for s in symbols)
            fn._cols = cols
            linear = len(symbols) == 1 and sympy.diff(expr, symbols[0], 2) == 0 \
                and expr.subs(symbols[0], 0) == 0
            if linear:
                # The common case a*p (e.g. 2*x[1] in Z maps): no Python call per evaluation.
                fn.column = cols[0]
                fn.scale = float(sympy.diff(expr, symbols[0]))
                fn.derivatives = {cols[0]: fn.scale}
            else:
                fn._fn = _lambdify(expr, symbols)
                for sym, col in zip(symbols, cols):
                    d = sympy.diff(expr, sym)
                    if not d.free_symbols:
                        fn.derivatives[col] = float(sympy.re(d))
                    else:
                        fn.derivatives[col] = _lambdify(d, symbols)
        self._cache[key] = fn
        return fn
