"""The ``qmlbench`` command: run an experiment from a spec file, list the registries, open the dashboard.

    qmlbench run examples/ad_hoc_qsvc.json --out results/adhoc
    qmlbench run moons_vqc            # an example shipped with qmlbench, by name
    qmlbench run                      # the built-in example: Havlíček ad hoc data + QSVC
    qmlbench list
    qmlbench plateau --ansatz random_pauli --qubits 2,4,6,8 --observable zz
    qmlbench concentration --feature-map zz --reps 2 --qubits 2,4,6,8
    qmlbench insight moons_vqc --out insight.json
    qmlbench study dimension_sweep --out results/sweep --workers 2
    qmlbench dashboard --port 8866

A bad spec (unknown name, not JSON, missing file) ends with exit status 2 and
one line naming the field; ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import importlib
import sys
import time
from pathlib import Path

__all__ = ["main", "DEFAULT_SPEC", "build_parser"]

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130

#: The experiment ``qmlbench run`` performs without a spec file: the shipped example
#: ``qmlbench/examples/ad_hoc_qsvc.json`` (Havlíček et al. 2019's ad hoc data, separable by
#: the ZZ feature map it was made with), read from that one file.
from .examples import DEFAULT as DEFAULT_NAME  # noqa: E402
from .examples import data as _example_data  # noqa: E402

DEFAULT_SPEC = _example_data(DEFAULT_NAME)


class _Fail(Exception):
    """A one-line failure with its exit status."""

    def __init__(self, message: str, status: int = EXIT_USAGE):
        super().__init__(message)
        self.status = status


def _err(message: str) -> None:
    print(f"qmlbench: error: {message}", file=sys.stderr)


# --- run -------------------------------------------------------------------------

def example_names() -> list[str]:
    """Names of the example specs shipped inside the package (``qmlbench run NAME`` takes them)."""
    from importlib import resources

    folder = resources.files("qmlbench") / "examples"
    try:
        return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".json"))
    except (FileNotFoundError, NotADirectoryError):
        return []


def _example_text(name: str) -> str:
    from importlib import resources

    return (resources.files("qmlbench") / "examples" / f"{name}.json").read_text()


def _load_spec(path):
    import json

    from .engine.errors import SpecError
    from .engine.spec import ExperimentSpec

    if path is None:
        return ExperimentSpec.from_dict(DEFAULT_SPEC), DEFAULT_NAME
    p = Path(path)
    label = p.name
    if p.is_file():
        text = None
    else:
        # an example name ("moons_vqc"), or examples/NAME.json from a folder that is not here
        name = p.name[:-5] if p.name.endswith(".json") else p.name
        if p.is_dir() or name not in example_names() or (p.suffix not in ("", ".json")) \
                or (p.suffix == "" and len(p.parts) > 1):
            names = example_names()
            hint = f"; or give an example name: {', '.join(names)}" if names else ""
            raise _Fail(f"spec: {str(path)!r} is not a file"
                        + (" (it is a folder)" if p.is_dir() else "") + hint)
        if str(path) != name:
            print(f"qmlbench: {str(path)!r} is not here; using the example {name!r} shipped with "
                  f"qmlbench", file=sys.stderr)
        text, label = _example_text(name), f"{name}.json"
    try:
        data = json.loads(p.read_text() if text is None else text)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise _Fail(f"spec: {str(path)!r} is not valid JSON ({exc})") from None
    try:
        return ExperimentSpec.from_dict(data), label[:-5] if label.endswith(".json") else p.stem
    except SpecError as exc:
        raise _Fail(f"{label}: {exc}") from exc


class _Progress:
    """Prints one line per phase and at most a few lines a second while a loss falls."""

    def __init__(self, quiet: bool, every_s: float = 0.5):
        self.quiet, self.every_s, self._last = quiet, every_s, 0.0

    def __call__(self, step, loss, elapsed, weights, phase="train"):
        if self.quiet:
            return
        now = time.perf_counter()
        if phase == "train" and now - self._last < self.every_s:
            return
        self._last = now
        what = f"loss {loss:.5f}" if isinstance(loss, (int, float)) else (phase or "")
        print(f"  step {step:>4}  {what:<18} {elapsed:7.2f} s", flush=True)


def _fmt(value) -> str:
    return "n/a" if value is None else (f"{value:.4f}" if isinstance(value, float) else str(value))


def _circuit_facts(spec, dataset, model=None) -> list[tuple[str, dict]]:
    from .engine import circuits, models

    entry = models.MODELS.get(spec.model.name)
    if entry is None or not getattr(entry, "quantum", False):
        return []
    if getattr(entry, "inputs", "features") != "features":
        # quantum data: no feature map; the model's own circuit, if it has one
        circuit = getattr(model, "circuit_", None)
        return [] if circuit is None else [(f"{spec.model.name} circuit (input state first)",
                                            circuits.circuit_facts(circuit))]
    fm, an = circuits.from_spec(spec.circuit, dataset.num_features)
    if getattr(entry, "uses_ansatz", False):
        return [("circuit (feature map + ansatz)", circuits.circuit_facts(
            circuits.compose(fm, an, **spec.circuit.reupload)))]
    return [("feature map", circuits.circuit_facts(fm))]


def _report(spec, run, wall: float, saved: Path | None) -> None:
    d = run.dataset
    print(f"\n{spec.model.name} on {d.summary() if hasattr(d, 'summary') else spec.dataset.name}")
    print(f"  status          {run.status}")
    metric = "R²" if getattr(d, "task", "") == "regression" else "accuracy"
    print(f"  train score     {_fmt(run.scores.get('train'))} ({metric})")
    print(f"  test score      {_fmt(run.scores.get('test'))} ({metric})")
    for label, facts in _circuit_facts(spec, d, getattr(run, "model", None)):
        gates = ", ".join(f"{k} {v}" for k, v in facts["gate_counts"].items())
        n = facts["num_qubits"]
        print(f"  {label}: {n} qubit{'s' if n != 1 else ''}, depth {facts['depth']}, "
              f"{facts['two_qubit_gates']} two-qubit gates, {facts['num_inputs']} inputs, "
              f"{facts['num_weights']} weights ({gates})")
    path = run.path or "n/a"
    if getattr(run, "fallback_reason", None):
        path += f" (fell back: {run.fallback_reason})"
    print(f"  execution path  {path}")
    print(f"  time            {run.elapsed:.2f} s training, {wall:.2f} s in all")
    for note in [*(getattr(d, "notes", []) or []), *(getattr(run, "notes", []) or [])]:
        print(f"  note: {note}")
    if saved is not None:
        print(f"  saved to        {saved}")


def _header(spec) -> str:
    """What the run will do, naming only the parts the model uses."""
    from .engine import models

    entry = models.MODELS.get(spec.model.name)
    parts = [f"qmlbench: {spec.model.name} on {spec.dataset.name} ({spec.dataset.n_samples} samples)"]
    if entry is not None and entry.quantum and getattr(entry, "uses_feature_map", True):
        parts.append(f"feature map {spec.circuit.feature_map.name}")
        if entry.uses_ansatz:
            parts.append(f"ansatz {spec.circuit.ansatz.name}")
    if entry is not None and entry.uses_optimizer:
        parts.append(f"optimizer {spec.optimizer.name} (maxiter {spec.optimizer.maxiter})")
    return ", ".join(parts)


def _timestamp() -> str:
    return _dt.datetime.now().strftime("%Y%m%d-%H%M%S")


def _free_beside(path: Path, suffix: str) -> Path:
    """``path`` with ``suffix`` added, numbered until nothing is there."""
    candidate = path.with_name(f"{path.name}{suffix}")
    n = 2
    while candidate.exists():
        candidate = path.with_name(f"{path.name}{suffix}-{n}")
        n += 1
    return candidate


def _plan_out(args, name: str) -> tuple[Path, str]:
    """Where the results will go, checked before any work: ``(path, kind)``.

    A saved experiment there is replaced only with ``--force``; a folder holding other
    things gets the experiment in a new sub-folder (and the header says so).
    """
    from .engine import store
    from .engine.errors import QmlbenchError

    if not args.out:
        out = Path("results") / f"{name}-{_timestamp()}"
        if out.exists():
            out = _free_beside(out, "")
    else:
        out = Path(args.out)
    try:
        kind = store.check_target(out)
    except QmlbenchError as exc:
        if not (out.is_dir() and "is not a saved qmlbench experiment" in str(exc)):
            raise _Fail(f"--out: {str(exc).removeprefix('path: ')}") from None
        sub = out / f"{name}-{_timestamp()}"
        if sub.exists():
            sub = _free_beside(sub, "")
        try:
            store.check_target(sub)
        except QmlbenchError as exc2:
            raise _Fail(f"--out: {str(exc2).removeprefix('path: ')}") from None
        return sub, "subfolder"
    if kind == "experiment" and not args.force:
        raise _Fail(f"--out: {str(out)!r} already holds a saved experiment; pass --force to "
                    f"replace it, or choose another folder")
    return out, kind


def _cmd_run(args) -> int:
    from .engine import store
    from .engine.errors import QmlbenchError
    from .engine.training import train

    t0 = time.perf_counter()
    spec, name = _load_spec(args.spec)
    out, out_kind = _plan_out(args, name)
    if not args.quiet:
        print(_header(spec), flush=True)
        if out_kind == "subfolder":
            print(f"qmlbench: {str(args.out)!r} holds other files; saving into the new sub-folder "
                  f"{str(out)!r}", flush=True)
        elif out_kind == "experiment":
            print(f"qmlbench: --force: the experiment in {str(out)!r} will be replaced when this "
                  f"run finishes", flush=True)
    run = train(spec, on_step=_Progress(args.quiet))
    interrupts = 0
    while not run.done:
        try:
            run.wait(0.2)
        except KeyboardInterrupt:
            interrupts += 1
            if interrupts == 1:
                print("\nqmlbench: stopping after the current evaluation (the model keeps its "
                      "best weights); Ctrl-C again to skip the final scoring...", file=sys.stderr)
                run.stop()
            elif interrupts == 2:
                print("qmlbench: skipping the final scoring; waiting for the current evaluation "
                      "to end (Ctrl-C again quits without saving)...", file=sys.stderr)
                run.stop(skip_scoring=True)
            else:
                raise
        except Exception:  # noqa: BLE001 - the run's own error is re-raised by the wait below
            break
    try:
        run.wait()
    except QmlbenchError:
        raise
    except Exception as exc:
        raise _Fail(f"training failed: {type(exc).__name__}: {exc}", EXIT_FAILED) from exc
    interrupted = interrupts > 0
    replaced = None
    if run.status == "stopped" and out.exists() and store.check_target(out) == "experiment":
        # a partial result never replaces a saved experiment, --force or not
        replaced, out = out, _free_beside(out, f"-stopped-{_timestamp()}")
    saved = store.save_run(out, run, spec=spec, extra={"command": "qmlbench run", "spec_name": name})
    _report(spec, run, time.perf_counter() - t0, saved)
    if replaced is not None:
        print(f"  note: the run was stopped, so the experiment already in {str(replaced)!r} "
              f"was kept; this one went beside it")
    return EXIT_INTERRUPTED if interrupted else EXIT_OK


# --- list ------------------------------------------------------------------------

def _registry_rows():
    from .engine import circuits, datasets, models, optimizers

    rows = [("Datasets", [(n, f"[{e.task}] {e.description}") for n, e in datasets.DATASETS.items()]),
            ("Feature maps", [(n, e.description + ("" if e.uses_entanglement else
                                                   " (entanglement does not apply)"))
                              for n, e in circuits.FEATURE_MAPS.items()]),
            ("Ansätze", [(n, e.description + ("" if e.uses_entanglement else
                                              " (entanglement does not apply)"))
                         for n, e in circuits.ANSATZE.items()]),
            ("Entanglements", [(e, "") for e in circuits.ENTANGLEMENTS])]
    model_rows = []
    for n, e in models.MODELS.items():
        tasks = "/".join(getattr(e, "tasks", ()) or ())
        kind = getattr(e, "kind", "")
        model_rows.append((n, f"[{kind}{', ' + tasks if tasks else ''}] {getattr(e, 'description', '')}"))
    rows.append(("Models", model_rows))
    rows.append(("Optimizers", [(n, getattr(e, "description", "")) for n, e in optimizers.OPTIMIZERS.items()]))
    return rows


def _registry_schemas() -> dict:
    """Section title -> name -> the entry's option Schema (what ``list --options`` prints)."""
    from .engine import circuits, datasets, models, optimizers

    return {"Datasets": {n: e.schema for n, e in datasets.DATASETS.items()},
            "Feature maps": {n: e.schema for n, e in circuits.FEATURE_MAPS.items()},
            "Ansätze": {n: e.schema for n, e in circuits.ANSATZE.items()},
            "Models": {n: e.schema for n, e in models.MODELS.items()},
            "Optimizers": {n: e.schema for n, e in optimizers.OPTIMIZERS.items()}}


def _cmd_list(args) -> int:
    import json as _json

    schemas = _registry_schemas() if getattr(args, "options", False) else {}
    for title, items in _registry_rows():
        print(f"{title}:")
        width = max(len(n) for n, _ in items)
        for name, desc in items:
            print(f"  {name:<{width}}  {desc}".rstrip())
            for opt in schemas.get(title, {}).get(name) or ():
                print(f"      {opt.name} = {_json.dumps(opt.default)}: {opt.describe()}")
        print()
    return EXIT_OK


# --- dashboard -------------------------------------------------------------------

def _cmd_dashboard(args) -> int:
    # the server's modules load for this command only
    serve = importlib.import_module("qmlbench.dashboard").serve
    # Voila's own exit status (a port it could not bind, say) is the command's.
    from .engine.errors import QmlbenchError, SpecError

    try:
        code = serve(port=args.port, open_browser=not args.no_browser, pool_size=args.pool)
    except SpecError:  # a bad --port or --pool: a usage error (exit 2, from main)
        raise
    except QmlbenchError as exc:  # Voila missing, say: the server did not start
        raise _Fail(str(exc), EXIT_FAILED) from None
    return code if isinstance(code, int) else EXIT_OK


# --- plateau ---------------------------------------------------------------------

def _int_csv(text: str) -> list[int]:
    try:
        return [int(t) for t in text.split(",") if t.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a comma-separated list of integers")


def _noise_arg(text: str) -> dict:
    """``model:p`` (depolarizing:0.01 sets p1 = p2 = 0.01; a model's single strength
    otherwise) or ``model:key=val,key=val``, checked by the engine's noise schema."""
    from .engine.errors import SpecError
    from .engine.execution import NOISE_MODELS, check_noise

    model, _, rest = text.partition(":")
    setting: dict = {"model": model.strip()}
    try:
        if setting["model"] not in NOISE_MODELS:
            return check_noise(setting, "--noise")  # says which models there are
        if rest and "=" not in rest:
            p = float(rest)
            keys = {"depolarizing": ("p1", "p2"), "amplitude_damping": ("gamma1", "gamma2"),
                    "readout": ("p01", "p10")}.get(setting["model"])
            if keys is None:
                raise argparse.ArgumentTypeError(
                    f"--noise {text!r}: {setting['model']} takes key=value settings "
                    f"(e.g. thermal_relaxation:t1=100,t2=80)")
            setting.update({k: p for k in keys})
        elif rest:
            for item in rest.split(","):
                key, _, val = item.partition("=")
                val = val.strip()
                setting[key.strip()] = int(val) if val.isdigit() else float(val)
        return check_noise(setting, "--noise")
    except ValueError as exc:
        if isinstance(exc, SpecError):
            raise argparse.ArgumentTypeError(str(exc)) from None
        raise argparse.ArgumentTypeError(
            f"--noise {text!r}: expected model:p or model:key=value,... ({exc})") from None


def _cmd_plateau(args) -> int:
    from .engine import plateau

    if args.layers is not None and args.layers_per_qubit is not None:
        raise _Fail("give --layers or --layers-per-qubit, not both")
    if args.layers is not None:
        layers = args.layers if len(args.layers) > 1 else args.layers[0]
    else:
        layers = plateau.DepthPerQubit(args.layers_per_qubit or 12)
    param = "all" if args.param == "all" else _param_index(args.param)
    init = args.init if args.init != "small" else ("small", args.init_width)
    out = _check_out_file(args.out, args.force)
    last = [0.0]

    def progress(done, total):
        now = time.perf_counter()
        if not args.quiet and (now - last[0] > 0.5 or done == total):
            last[0] = now
            print(f"  {done}/{total} samples", file=sys.stderr, flush=True)

    res = plateau.gradient_variance(args.ansatz, qubits=args.qubits, layers=layers,
                                    samples=args.samples, observable=args.observable,
                                    param_index=param, seed=args.seed, init=init,
                                    progress=progress, noise=args.noise)
    if args.noise is not None:
        print(f"noise: {args.noise['model']} " + ", ".join(
            f"{k}={v:g}" for k, v in args.noise.items() if isinstance(v, (int, float))))
    print(f"gradient variance of {args.ansatz}, {args.observable} cost, init {args.init}, "
          f"parameter {param}, {res.samples} samples")
    print(f"  {'qubits':>6} {'layers':>6} {'variance':>12} {'stderr':>10} {'2-design':>10}")
    for row in res.to_rows():
        print(f"  {row['qubits']:>6} {row['layers']:>6} {row['variance']:>12.4e} "
              f"{row['stderr']:>10.2e} {row['reference']:>10.2e}")
    if res.decay_rate is not None and len(res.qubits) > 1:
        import numpy as np

        rates = np.atleast_1d(np.asarray(res.decay_rate, dtype=float))
        errs = np.atleast_1d(np.asarray(res.decay_rate_stderr, dtype=float))
        if res.depth_swept:   # one decay rate per depth
            for L, r, e in zip(res.layers, rates, errs):
                print(f"  ln(variance) per added qubit at {L} layers: {r:+.3f} ± {e:.3f}")
        else:
            print(f"  ln(variance) per added qubit: {rates[0]:+.3f} ± {errs[0]:.3f}")
    print(f"  execution path  {res.path}")
    print(f"  time            {res.seconds:.2f} s")
    if out is not None:
        _write_file(out, res.to_csv() if out.suffix.lower() == ".csv" else res.to_json(indent=2))
        print(f"  saved to        {out}")
    return EXIT_OK


def _cmd_concentration(args) -> int:
    from .engine import kernels

    out = _check_out_file(args.out, args.force)
    res = kernels.concentration(args.feature_map, qubits=args.qubits, reps=args.reps,
                                entanglement=args.entanglement, samples=args.samples,
                                seed=args.seed)
    print(f"fidelity-kernel concentration of {args.feature_map} (reps {args.reps}, "
          f"{args.entanglement}), {res.samples} random input pairs per width")
    print(f"  {'qubits':>6} {'mean':>10} {'variance':>12} {'stderr':>10} {'Haar var':>10}")
    for row in res.to_rows():
        print(f"  {row['qubits']:>6} {row['mean']:>10.3e} {row['variance']:>12.4e} "
              f"{row['stderr']:>10.2e} {row['haar_variance']:>10.2e}")
    if len(res.qubits) > 1:
        print(f"  ln(variance) per added qubit: {res.decay_rate:+.3f} "
              f"± {res.decay_rate_stderr:.3f}")
    print(f"  time            {res.seconds:.2f} s")
    if out is not None:
        _write_file(out, res.to_json(indent=2))
        print(f"  saved to        {out}")
    return EXIT_OK


def _check_out_file(text, force: bool) -> Path | None:
    """The ``--out FILE`` of a study, checked before the study runs."""
    import os

    if not text:
        return None
    out = Path(text)
    if out.is_dir():
        raise _Fail(f"--out: {text!r} is a folder; give a file name")
    if out.exists() and not force:
        raise _Fail(f"--out: {text!r} already exists; pass --force to replace it, or choose "
                    f"another name")
    where = out.parent
    while not where.exists() and where != where.parent:
        where = where.parent
    if not where.is_dir():
        raise _Fail(f"--out: {text!r} cannot be created: {str(where)!r} is a file, not a folder")
    if not os.access(where, os.W_OK | os.X_OK) or (out.exists() and not os.access(out, os.W_OK)):
        raise _Fail(f"--out: {text!r} cannot be written: no permission")
    return out


def _write_file(out: Path, text: str) -> None:
    """Write atomically (a temporary file beside it, then a rename)."""
    import os
    import tempfile

    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    from .engine import store

    return store._umask()


def _param_index(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise _Fail(f"--param: {text!r} is not allowed; give a parameter index or 'all'")


# --- insight ---------------------------------------------------------------------

def _cmd_insight(args) -> int:
    from .engine import insight

    out = _check_out_file(args.out, args.force)
    spec, _ = _load_spec(args.spec)
    res = insight.spec_report(spec, samples=args.samples, bins=args.bins, seed=args.seed,
                              dataset_sizes=args.sizes, weight_samples=args.weight_samples,
                              input_samples=args.input_samples)
    print(f"inside the circuit: {res.samples} random pairs/samples per row, {res.bins} bins, "
          f"seed {res.seed}")
    print(f"  {'part':<22} {'qubits':>6} {'params':>6}  {'expressibility (KL)':>22} "
          f"{'Haar':>8}  {'entangling Q':>15} {'Haar':>6}")
    for row in res.rows:
        expr = f"{row['expressibility']:.4f} ± {row['expressibility_stderr']:.4f}"
        q = f"{row['q']:.3f} ± {row['q_stderr']:.3f}"
        print(f"  {row['part']:<22} {row['qubits']:>6} {row['parameters']:>6}  {expr:>22} "
              f"{row['expressibility_haar']:>8.4f}  {q:>15} {row['q_haar']:>6.3f}")
    print("  (expressibility: lower is closer to Haar; Haar column: what Haar-random states "
          "score with as many samples)")
    eff = res.effective_dimension
    if eff is not None:
        print(f"  effective dimension ({eff['num_weights']} weights, {eff['weight_samples']} "
              f"weight x {eff['input_samples']} training-input samples):")
        for n, v, r in zip(eff["dataset_sizes"], eff["values"], eff["normalized"]):
            print(f"    n = {n:>9}  d_eff = {v:.3f}  d_eff/d = {r:.3f}")
    else:
        print("  effective dimension: not defined for this model (no trainable circuit weights)")
    print(f"  time            {res.seconds:.2f} s")
    if out is not None:
        _write_file(out, res.to_json(indent=2))
        print(f"  saved to        {out}")
    return EXIT_OK


def _add_insight_parser(sub) -> None:
    ins = sub.add_parser("insight", help="expressibility, entangling capability and effective "
                                         "dimension of a spec's circuits",
                         description="For the spec's feature map (inputs from the training "
                                     "data), ansatz and both together: expressibility (Sim et "
                                     "al. 2019) and Meyer-Wallach entangling capability with "
                                     "their Haar references; for a variational model, its "
                                     "effective dimension (Abbas et al. 2021) "
                                     "(qmlbench.insight.spec_report).")
    ins.add_argument("spec", nargs="?", metavar="SPEC",
                     help="experiment spec (a JSON file or an example name); without it, the "
                          "built-in ad hoc + QSVC example")
    ins.add_argument("--samples", type=int, default=2000,
                     help="random parameter pairs (expressibility) and samples (Q) per row")
    ins.add_argument("--bins", type=int, default=75, help="fidelity histogram bins (default 75)")
    ins.add_argument("--sizes", type=_int_csv, default=[1000, 10000, 100000],
                     help="dataset sizes for the effective dimension (comma-separated)")
    ins.add_argument("--weight-samples", type=int, default=10)
    ins.add_argument("--input-samples", type=int, default=20,
                     help="training inputs the effective dimension averages over")
    ins.add_argument("--seed", type=int, default=0)
    ins.add_argument("--out", metavar="FILE", help="write the report as JSON")
    ins.add_argument("--force", action="store_true", help="replace an existing --out file")
    ins.set_defaults(func=_cmd_insight)


# --- study -----------------------------------------------------------------------

def study_names() -> list[str]:
    """Names of the example studies shipped inside the package (``qmlbench study NAME``)."""
    from importlib import resources

    folder = resources.files("qmlbench") / "examples" / "studies"
    try:
        return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".json"))
    except (FileNotFoundError, NotADirectoryError):
        return []


def _load_study(text: str):
    from importlib import resources

    from .engine import study
    from .engine.errors import SpecError

    p = Path(text)
    name = p.name[:-5] if p.name.endswith(".json") else p.name
    if not p.is_file():
        if name not in study_names() or len(p.parts) > 1 and p.parts[0] != "studies":
            names = study_names()
            hint = f"; or give a study shipped with qmlbench: {', '.join(names)}" if names else ""
            raise _Fail(f"study: {text!r} is not a file{hint}")
        p = resources.files("qmlbench") / "examples" / "studies" / f"{name}.json"
    try:
        return study.load(p.read_text(encoding="utf-8"))
    except SpecError as exc:
        raise _Fail(f"{p.name}: {exc}") from exc


def _clock(seconds) -> str:
    if seconds is None:
        return "--:--"
    s = int(round(seconds))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


class _StudyProgress:
    """One line per finished cell: count, share, elapsed, ETA, the cell and its score."""

    def __init__(self, quiet: bool):
        self.quiet = quiet

    def __call__(self, p):
        if self.quiet or p.record is None and p.done == 0:
            return
        if p.record is None:        # the first call after a resume
            print(f"  {p.skipped} of {p.total} cells already done (read back)", file=sys.stderr,
                  flush=True)
            return
        r = p.record
        labels = " ".join(f"{k}={v}" for k, v in r["labels"].items())
        result = r["result"]
        if result.get("status") == "error":
            what = f"error: {result.get('error')}"
        elif "test_score" in result:
            what = f"test {_fmt(result.get('test_score'))}"
        else:
            what = f"variance {result.get('variance', float('nan')):.3e}"
        width = len(str(p.total))
        print(f"  [{p.done:>{width}}/{p.total}] {100 * p.done / p.total:3.0f}%  "
              f"{_clock(p.elapsed)} elapsed, ETA {_clock(p.eta)}  {labels}  {what}",
              file=sys.stderr, flush=True)


def _cmd_study(args) -> int:
    import threading

    from .engine import distributed, study

    spec = _load_study(args.study)
    out = Path(args.out) if args.out else Path("results") / spec.name
    if out.exists() and not out.is_dir():
        raise _Fail(f"--out: {str(out)!r} is a file; give a folder")
    if args.workers is not None and args.workers < 1:
        raise _Fail(f"--workers: {args.workers} is not allowed; give 1 or more")
    client = None
    where = "serially, here"
    if args.scheduler:
        from .engine.errors import QmlbenchError

        if "://" not in args.scheduler:
            args.scheduler = f"tcp://{args.scheduler}"     # HOST:PORT, as dask's own tools take it

        try:
            distributed.client_for(args.scheduler)     # connect now: a wrong address fails here
        except QmlbenchError as exc:
            raise _Fail(f"--scheduler: {str(exc).removeprefix('executor: ')}") from None
        client = args.scheduler
        where = f"on the Dask scheduler {args.scheduler}"
    elif args.workers:
        client = distributed.local_cluster(args.workers)
        where = f"on a local Dask cluster of {args.workers} worker processes"
    if not args.quiet:
        print(f"qmlbench: study {spec.name!r}: {len(spec.cells)} cells, {where}; "
              f"results in {str(out)!r}", flush=True)
    stop, ended = threading.Event(), threading.Event()
    box: dict = {}

    def target():
        try:
            box["table"] = study.run(spec, out=out, client=client, stop_event=stop,
                                     progress=_StudyProgress(args.quiet), retries=args.retries)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the main thread
            box["error"] = exc
        finally:
            ended.set()

    # The study runs in a thread so that Ctrl-C (delivered to this one) can stop it cleanly;
    # an Event, not Thread.join, is waited on: an interrupted join can report a live thread dead.
    worker = threading.Thread(target=target, name="qmlbench-study", daemon=True)
    interrupted = False
    try:
        worker.start()
        while not ended.is_set():
            try:
                ended.wait(0.2)
            except KeyboardInterrupt:
                if interrupted:
                    raise
                interrupted = True
                stop.set()
                print("\nqmlbench: stopping; finished cells are kept (Ctrl-C again quits now)",
                      file=sys.stderr, flush=True)
    finally:
        if client is not None and not isinstance(client, str):
            client.close()
            client.cluster.close()
    if "error" in box:
        raise box["error"]
    table = box["table"]
    rows = table.to_dict("records") if hasattr(table, "to_dict") else table
    done = sum(1 for r in rows if r.get("status") == "done")
    failed = sum(1 for r in rows if r.get("status") == "error")
    print(f"\n{done} of {len(spec.cells)} cells done" + (f", {failed} failed" if failed else "")
          + f"; table in {str(out / study.TABLE_FILE)!r}")
    if interrupted or done + failed < len(spec.cells):
        print("  run the same command again to compute the rest (finished cells are skipped)")
        return EXIT_INTERRUPTED
    _print_study_summary(rows)
    return EXIT_FAILED if failed else EXIT_OK


def _print_study_summary(rows) -> None:
    """Mean test score over seeds per (dataset, model, dimension), for experiment studies."""
    if any("variance" in r for r in rows):
        _print_plateau_summary(rows)
        return
    groups: dict = {}
    for r in rows:
        if r.get("status") != "done" or "test_score" not in r:
            continue
        key = (r.get("dataset"), r.get("model"), r.get("dimension"))
        groups.setdefault(key, []).append(r["test_score"])
    if not groups:
        return
    print(f"  {'dataset':<16} {'model':<16} {'dim':>4} {'test score':>10} {'cells':>6}")
    for (ds, model, dim), scores in groups.items():
        scores = [s for s in scores if s is not None]
        mean = sum(scores) / len(scores) if scores else None
        print(f"  {str(ds):<16} {str(model):<16} {str(dim):>4} {_fmt(mean):>10} {len(scores):>6}")


def _print_plateau_summary(rows) -> None:
    """Gradient variance against width, one line per (ansatz, cost, init, layers, seed)."""
    lines: dict = {}
    for r in rows:
        if r.get("status") == "done":
            key = (r["ansatz"], r["cost"], r["init"], r["layers"], r["seed"])
            lines.setdefault(key, []).append((r["qubits"], r["variance"]))
    for (ansatz, cost, init, layers, seed), points in lines.items():
        values = "  ".join(f"{n}q {v:.2e}" for n, v in sorted(points))
        print(f"  {ansatz} {cost} cost, {init} init, {layers} layers, seed {seed}:  {values}")


def _add_study_parser(sub) -> None:
    st = sub.add_parser("study", help="run a study: many experiments or plateau points, resumable",
                        description="Run every cell of a study spec (datasets x models x grids x "
                                    "dimensions x seeds, or plateau widths x depths x costs x "
                                    "inits x seeds), serially or on Dask. Each finished cell is "
                                    "saved at once; running the same command again skips them.")
    st.add_argument("study", metavar="STUDY",
                    help="study spec (a JSON file, or the name of a study shipped with qmlbench: "
                         + ", ".join(study_names()) + ")")
    st.add_argument("--out", metavar="DIR",
                    help="folder for the cells and the table (default results/<study-name>); "
                         "cells already there are not computed again")
    where = st.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, metavar="N",
                       help="run on a local Dask cluster of N worker processes")
    where.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                       help="run on an existing Dask cluster")
    st.add_argument("--retries", type=int, default=3,
                    help="times Dask re-runs a cell that failed on a lost worker (default 3)")
    st.add_argument("--quiet", action="store_true", help="no progress lines")
    st.set_defaults(func=_cmd_study)


# --- parser ----------------------------------------------------------------------

def _version() -> str:
    from . import __version__

    return __version__


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="qmlbench",
        description="An interactive workbench for quantum machine learning.",
        epilog="Run 'qmlbench COMMAND --help' for the options of a command.")
    parser.add_argument("--debug", action="store_true", help="show full tracebacks on errors")
    parser.add_argument("--version", action="version", version=f"qmlbench {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser("run", help="train the experiment in a spec file and save the results",
                         description="Train the experiment described by SPEC (JSON; see examples/), "
                                     "print progress, scores, circuit facts and timing, and save "
                                     "everything with qmlbench.store.")
    run.add_argument("spec", nargs="?", metavar="SPEC",
                     help="experiment spec (a JSON file, or the name of an example shipped with "
                          "qmlbench: " + ", ".join(example_names()) + "); without it, the built-in "
                          "ad hoc + QSVC example")
    run.add_argument("--out", metavar="DIR",
                     help="folder for the results (default results/<spec-name>-<timestamp>); "
                          "checked before training. A folder holding other files gets a new "
                          "sub-folder; one holding a saved experiment is refused unless --force")
    run.add_argument("--force", action="store_true",
                     help="replace a saved experiment in --out (a stopped run never replaces one: "
                          "it is saved beside it)")
    run.add_argument("--quiet", action="store_true", help="no progress lines while training")
    run.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                     help="show full tracebacks on errors")
    run.set_defaults(func=_cmd_run)

    lst = sub.add_parser("list", help="list datasets, feature maps, ansätze, models and optimizers",
                         description="List every registry: datasets, feature maps, ansätze, "
                                     "entanglements, models and optimizers.")
    lst.add_argument("--options", action="store_true",
                     help="under each entry, the options it takes: default and allowed values")
    lst.set_defaults(func=_cmd_list)

    pl = sub.add_parser("plateau", help="measure gradient variance against qubits (barren plateaus)",
                        description="Variance of the cost gradient over random parameters, per "
                                    "number of qubits, with the fitted decay rate and the value a "
                                    "2-design would give (qmlbench.plateau.gradient_variance).")
    pl.add_argument("--ansatz", default="random_pauli",
                    help="ansatz from the registry (default random_pauli, McClean et al. 2018)")
    pl.add_argument("--qubits", type=_int_csv, default=[2, 4, 6, 8],
                    help="comma-separated widths (default 2,4,6,8)")
    pl.add_argument("--layers", type=_int_csv, default=None,
                    help="layers, or a comma-separated list to sweep depth too")
    pl.add_argument("--layers-per-qubit", type=int, default=None,
                    help="depth growing with width (default 12 per qubit, deep enough for "
                         "McClean's plateau)")
    pl.add_argument("--samples", type=int, default=200, help="random parameter draws per point")
    pl.add_argument("--observable", default="global",
                    help="global (|0..0> projector), local (mean of 1-qubit projectors) or zz")
    pl.add_argument("--param", default="0", help="parameter index, or 'all' (default 0)")
    pl.add_argument("--init", default="uniform",
                    help="uniform, small (normal, --init-width) or identity_block")
    pl.add_argument("--init-width", type=float, default=0.1,
                    help="standard deviation of the small-angle initialisation")
    pl.add_argument("--seed", type=int, default=0)
    pl.add_argument("--noise", type=_noise_arg, default=None, metavar="MODEL:P",
                    help="noise after every gate, exact on density matrices: depolarizing:0.01 "
                         "or model:key=val,... (thermal_relaxation:t1=100,t2=80,time1=0.05)")
    pl.add_argument("--out", metavar="FILE", help="write the result as JSON (or CSV for .csv)")
    pl.add_argument("--force", action="store_true", help="replace an existing --out file")
    pl.add_argument("--quiet", action="store_true", help="no progress lines")
    pl.set_defaults(func=_cmd_plateau)

    kc = sub.add_parser("concentration", help="measure how a fidelity kernel concentrates with qubits",
                        description="Mean and variance of the fidelity kernel between random "
                                    "inputs per width, against the Haar values "
                                    "(qmlbench.kernels.concentration).")
    kc.add_argument("--feature-map", default="zz", help="feature map from the registry")
    kc.add_argument("--reps", type=int, default=2)
    kc.add_argument("--entanglement", default="linear")
    kc.add_argument("--qubits", type=_int_csv, default=[2, 4, 6, 8])
    kc.add_argument("--samples", type=int, default=500, help="random input pairs per width")
    kc.add_argument("--seed", type=int, default=0)
    kc.add_argument("--out", metavar="FILE", help="write the result as JSON")
    kc.add_argument("--force", action="store_true", help="replace an existing --out file")
    kc.set_defaults(func=_cmd_concentration)

    _add_study_parser(sub)

    dash = sub.add_parser("dashboard", help="serve the Voilà dashboard",
                          description="Serve the qmlbench dashboard with Voilà.")
    dash.add_argument("--port", type=int, default=8866, help="port to serve on (default 8866)")
    dash.add_argument("--no-browser", action="store_true", help="do not open a browser")
    dash.add_argument("--pool", type=int, default=1, metavar="N",
                      help="kernels kept warm for the next visitors, about 330 MB each "
                           "(default 1)")
    dash.set_defaults(func=_cmd_dashboard)
    _add_insight_parser(sub)
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    from .engine.errors import QmlbenchError

    debug = getattr(args, "debug", False)
    try:
        return args.func(args)
    except _Fail as exc:
        if debug:
            raise
        _err(str(exc))
        return exc.status
    except QmlbenchError as exc:
        if debug:
            raise
        _err(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        return EXIT_USAGE
    except KeyboardInterrupt:
        _err("interrupted")
        return EXIT_INTERRUPTED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
