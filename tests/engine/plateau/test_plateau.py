"""The barren-plateau lab against published analytic results and its own contract.

Tolerances follow from the sample count: the sample variance s² of N gradients has
standard error sqrt((E[(g-μ)⁴] - σ⁴) / N); tests allow 4 of those.
"""

from __future__ import annotations

import json
import math
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.circuit import ParameterVector
from qiskit.quantum_info import SparsePauliOp, Statevector

from qmlbench.engine import execution, plateau
from qmlbench.engine.errors import CapacityError, SpecError
from qmlbench.engine.plateau import (
    PlateauResult,
    cost_landscape,
    gradient_variance,
    identity_block_circuit,
    one_sided_reference,
    reference_variance,
)


def rx_product(num_qubits, layers):
    """Cerezo et al. 2021's warm-up: V(θ) = ⊗_j RX(θ_j) on |0…0> (layers ignored)."""
    theta = ParameterVector("θ", num_qubits)
    qc = QuantumCircuit(num_qubits)
    for j in range(num_qubits):
        qc.rx(theta[j], j)
    return qc


def test_cerezo_warm_up_global_cost_matches_exact_variance():
    """Global cost (Cerezo et al. 2021, Nat. Commun. 12, 1791, warm-up example).

    RX(θ)|0> = cos(θ/2)|0> - i sin(θ/2)|1>, so the projector on |0…0> has expectation
    p(θ) = Π_j cos²(θ_j/2), and C_G = 1 - p.  With d/dθ cos²(θ/2) = -sin(θ)/2,
    ∂_k p = -(sin θ_k / 2) Π_{j≠k} cos²(θ_j/2).  For θ uniform on [0, 2π):
    E[sin θ] = 0 (zero mean), E[sin²θ]/4 = 1/8, E[cos⁴(θ/2)] = E[((1+cos θ)/2)²] = 3/8, so

        Var[∂_k C_G] = (1/8) (3/8)^(n-1)            (exponential decay, rate ln(3/8)).

    Fourth moment for the tolerance: E[sin⁴θ]/16 = 3/128 and E[cos⁸(θ/2)] = 35/128, so
    E[g⁴] = (3/128)(35/128)^(n-1).  (Cerezo's cost uses the same RX(θ) = exp(-iθX/2).)
    """
    qubits = [1, 2, 3, 4, 5]
    n_samples = 6000
    res = gradient_variance(rx_product, qubits, 1, samples=n_samples, observable="global",
                            param_index=0, seed=11)
    for n, var, se, mean in zip(qubits, res.variances, res.stderr, res.means):
        exact = (1 / 8) * (3 / 8) ** (n - 1)
        m4 = (3 / 128) * (35 / 128) ** (n - 1)
        sigma = math.sqrt((m4 - exact ** 2) / n_samples)
        assert abs(var - exact) < 4 * sigma, (n, var, exact, sigma)
        assert abs(mean) < 4 * math.sqrt(exact / n_samples)
        # the reported standard error estimates the same quantity
        assert 0.6 * sigma < se < 1.6 * sigma, (n, se, sigma)


def test_cerezo_warm_up_local_cost_matches_exact_variance():
    """Local cost: O_L = (1/n) Σ_j |0><0|_j has expectation (1/n) Σ_j cos²(θ_j/2), so
    ∂_k = -sin(θ_k) / (2n) and Var = 1/(8n²): only polynomial decay.  E[g⁴] = 3/(128 n⁴).
    With param_index="all" the n gradients of one sample are independent and equally
    distributed, so the averaged variance has the same mean and an n-times smaller
    estimator variance."""
    qubits = [2, 4, 6, 8]
    n_samples = 3000
    for param_index in (0, "all"):
        res = gradient_variance(rx_product, qubits, 1, samples=n_samples, observable="local",
                                param_index=param_index, seed=5)
        for n, var in zip(qubits, res.variances):
            exact = 1 / (8 * n * n)
            terms = n if param_index == "all" else 1
            sigma = math.sqrt((3 / (128 * n ** 4) - exact ** 2) / (n_samples * terms))
            assert abs(var - exact) < 4 * sigma, (param_index, n, var, exact)
    # polynomial: ln Var = -2 ln n + const, far slower than the global cost's ln(3/8)
    assert res.decay_rate > math.log(3 / 8) + 0.3


def test_small_angle_init_matches_exact_variance_on_the_warm_up():
    """θ ~ Normal(0, σ²): E[cos θ] = e^(-σ²/2), E[cos 2θ] = e^(-2σ²), E[sin θ] = 0, so
    E[sin²θ] = (1 - e^(-2σ²))/2 and E[cos⁴(θ/2)] = (1 + 2e^(-σ²/2) + (1 + e^(-2σ²))/2)/4,
    and for the global cost Var[∂_k] = (1/4) E[sin²θ] E[cos⁴(θ/2)]^(n-1).  Near σ = 0 the
    gradient no longer decays with n: E[cos⁴] -> 1."""
    sigma, n_samples = 0.3, 4000
    res = gradient_variance(rx_product, [2, 4, 6], 1, samples=n_samples, observable="global",
                            init=("small", sigma), seed=2)
    a, b = math.exp(-sigma ** 2 / 2), math.exp(-2 * sigma ** 2)
    sin2, cos4 = (1 - b) / 2, (1 + 2 * a + (1 + b) / 2) / 4
    for n, var, se in zip(res.qubits, res.variances, res.stderr):
        exact = 0.25 * sin2 * cos4 ** (n - 1)
        assert abs(var - exact) < 4 * se, (n, var, exact, se)
    assert res.decay_rate == pytest.approx(math.log(cos4), abs=4 * res.decay_rate_stderr)


def test_decay_rate_of_known_exponential_is_recovered():
    res = gradient_variance(rx_product, [2, 3, 4, 5, 6, 7], 1, samples=4000, observable="global",
                            param_index=0, seed=3)
    expected = math.log(3 / 8)
    assert 0 < res.decay_rate_stderr < 0.15
    assert abs(res.decay_rate - expected) < 4 * res.decay_rate_stderr, (
        res.decay_rate, res.decay_rate_stderr)


def test_fit_decay_on_exact_exponential():
    q = np.arange(2, 9)
    v = 0.3 * np.exp(-0.7 * q)
    rate, err = plateau.fit_decay(q, v, 0.05 * v)
    assert rate == pytest.approx(-0.7, abs=1e-12)
    assert err == pytest.approx(math.sqrt(1 / np.sum((q - q.mean()) ** 2 / 0.05 ** 2)), rel=1e-9)


def test_fit_decay_widens_the_interval_of_a_curve_that_is_not_exponential():
    """Weighted least squares of ln v on q (σ of ln v = stderr / v), as numpy's polyfit
    computes it; the slope's error is scaled by the Birge ratio sqrt(χ²/dof) when that
    exceeds 1, and left alone when the scatter is within the error bars."""
    q = np.arange(2, 9).astype(float)
    wiggle = np.array([0.3, -0.2, 0.25, -0.3, 0.1, -0.15, 0.2])
    v = 0.3 * np.exp(-0.7 * q + wiggle)
    for rel in (0.02, 2.0):  # error bars far smaller than, then far larger than the wiggle
        se = rel * v
        rate, err = plateau.fit_decay(q, v, se)
        (slope, _), cov = np.polyfit(q, np.log(v), 1, w=1 / (se / v), cov="unscaled")
        resid = np.log(v) - np.polyval(np.polyfit(q, np.log(v), 1, w=v / se), q)
        chi2 = float(np.sum((resid / (se / v)) ** 2))
        assert rate == pytest.approx(slope, rel=1e-10)
        birge = math.sqrt(max(1.0, chi2 / (len(q) - 2)))
        assert (birge > 3) == (rel == 0.02)
        assert err == pytest.approx(math.sqrt(cov[0, 0]) * birge, rel=1e-10)
    # points without a positive variance are left out; fewer than two give NaN
    rate, _ = plateau.fit_decay(q, np.where(q == 5, 0.0, v), 0.02 * v)
    keep = q != 5
    assert rate == pytest.approx(np.polyfit(q[keep], np.log(v[keep]), 1)[0], rel=1e-10)
    assert all(math.isnan(x) for x in plateau.fit_decay([2, 3], [0.1, np.nan], [0.01, 0.01]))


def test_reference_formula_matches_haar_monte_carlo():
    """Var[∂C] = d Tr(O₀²) / (2(d²-1)(d+1)) for exp(-iθP/2) between two Haar unitaries
    (derivation in qmlbench.engine.plateau.observables).  Check it by sampling Haar
    U_± directly: ∂C = (i/2) <ψ| [P, U_+† O U_+] |ψ>, ψ = U_-|0>."""
    from scipy.stats import unitary_group

    rng = np.random.default_rng(0)
    n_draws = 20000
    for n, name in ((2, "zz"), (2, "global"), (3, "local")):
        d = 2 ** n
        obs = plateau.resolve(name, n).to_sparse_pauli_op().to_matrix()
        p = SparsePauliOp.from_sparse_list([("Y", [0], 1.0)], n).to_matrix()
        up = unitary_group.rvs(d, size=n_draws, random_state=rng)
        um = unitary_group.rvs(d, size=n_draws, random_state=rng)
        o_t = np.conj(np.transpose(up, (0, 2, 1))) @ obs @ up
        psi = um[:, :, 0]
        comm = p @ o_t - o_t @ p
        grads = np.real(0.5j * np.einsum("bi,bij,bj->b", psi.conj(), comm, psi))
        ref = reference_variance(name, n)
        sigma = math.sqrt((np.mean((grads - grads.mean()) ** 4) - grads.var() ** 2) / n_draws)
        assert abs(grads.var(ddof=1) - ref) < 4 * sigma, (n, name, grads.var(), ref)


def test_reference_values_of_named_costs():
    for n in (2, 5, 9):
        d = 2 ** n
        assert reference_variance("global", n) == pytest.approx(1 / (2 * (d + 1) ** 2))
        assert reference_variance("zz", n) == pytest.approx(d * d / (2 * (d * d - 1) * (d + 1)))
        assert reference_variance("local", n) == pytest.approx(
            d * d / (8 * n * (d * d - 1) * (d + 1)))


def test_mcclean_variance_decays_exponentially_with_qubits():
    """McClean et al. 2018 (Nat. Commun. 9, 4812), Fig. 2: random Pauli layers with CZ
    ladders and a Z0 Z1 cost; deep enough (50 layers to 6 qubits) the variance of the
    first gradient falls exponentially in the number of qubits."""
    res = gradient_variance("random_pauli", [2, 3, 4, 5, 6], 50, samples=300, observable="zz",
                            param_index=0, seed=1)
    assert res.decay_rate + 4 * res.decay_rate_stderr < 0
    assert np.all(np.diff(res.variances) < 0)


@pytest.mark.parametrize("where", ["first", "middle"])
def test_mcclean_variance_approaches_2design_value_with_depth(where):
    """At 4 qubits the variance falls with depth and settles at the 2-design value.
    A parameter in the middle of a deep circuit sees 2-designs on both sides:
    d Tr(O₀²) / (2(d²-1)(d+1)).  The first parameter follows only McClean's fixed
    RY(π/4) layer, so only the part after it randomises: Tr(O₀²)(1 - E<P>²) / (2(d²-1)),
    and RY(π/4)|0> has <X>² = <Z>² = 1/2, <Y>² = 0, so E<P>² = 1/3 over the random axis."""
    n, n_samples = 4, 1500
    d = 2 ** n
    target = (reference_variance("zz", n) if where == "middle"
              else one_sided_reference(d, n, 1 / 3))
    out = {}
    for layers in (2, 60):
        index = n * (layers // 2) if where == "middle" else 0
        res = gradient_variance("random_pauli", n, layers, samples=n_samples, observable="zz",
                                param_index=index, seed=2)
        out[layers] = (res.variances[0], res.stderr[0])
    (shallow, se_shallow), (deep, se_deep) = out[2], out[60]
    assert abs(deep - target) < 4 * se_deep, (deep, target, se_deep)
    assert shallow - target > 4 * se_shallow, (shallow, target)


def test_identity_block_init_keeps_gradients_on_a_deep_circuit():
    """Grant et al. 2019: blocks that start as the identity keep the gradient large where
    uniform angles on the same deep circuit sit on the plateau."""
    kwargs = dict(samples=120, observable="zz", param_index="all", seed=4)
    uni = gradient_variance("random_pauli", 6, 40, init="uniform", **kwargs)
    idb = gradient_variance("random_pauli", 6, 40, init="identity_block", **kwargs)
    assert idb.variances[0] - uni.variances[0] > 4 * (idb.stderr[0] + uni.stderr[0])
    assert idb.init == {"name": "identity_block"}


def test_identity_block_samples_start_every_circuit_at_the_identity():
    """Each sample's inverse half repeats its forward half's angles.  With ⊗RX blocks the
    cost is Π_j cos²((θ_j - θ'_j)/2) over each forward/inverse pair, whose derivative
    vanishes at θ' = θ: every gradient is exactly zero at an identity-block start, while
    independent angles (no copy) would give the warm-up's nonzero variance."""
    res = gradient_variance(rx_product, [2, 3], 4, samples=50, observable="global",
                            init="identity_block", param_index="all", seed=1)
    np.testing.assert_allclose(res.variances, 0.0, atol=1e-24)
    np.testing.assert_allclose(res.means, 0.0, atol=1e-12)
    uni = gradient_variance(rx_product, [2, 3], 4, samples=50, observable="global",
                            param_index="all", seed=1)
    assert np.all(uni.variances > 1e-3)
    # Any block without a state preparation in front: at U = I the gradient of the global
    # cost is (i/2)<0|[G, |0><0|]|0> = 0 for every (conjugated) generator G.
    ra = gradient_variance("real_amplitudes", [2, 3], 6, samples=50, observable="global",
                           init="identity_block", param_index="all", seed=2)
    np.testing.assert_allclose(ra.variances, 0.0, atol=1e-24)
    ra_uni = gradient_variance("real_amplitudes", [2, 3], 6, samples=50, observable="global",
                               param_index="all", seed=2)
    assert np.all(ra_uni.variances > 1e-4)


def test_identity_block_circuit_starts_as_identity():
    block = plateau.build_ansatz("efficient_su2", 3, 1, {})
    circuit = identity_block_circuit(block, 3)
    assert circuit.num_parameters == 6 * block.num_parameters
    pb = block.num_parameters
    values = np.random.default_rng(0).uniform(0, 2 * np.pi, circuit.num_parameters)
    for m in range(3):
        values[2 * m * pb + pb: 2 * m * pb + 2 * pb] = values[2 * m * pb: 2 * m * pb + pb]
    state = Statevector(circuit.assign_parameters(values))
    assert abs(state.data[0]) == pytest.approx(1.0)
    values[0] += 0.3  # off the identity point
    assert abs(Statevector(circuit.assign_parameters(values)).data[0]) < 0.999


def test_small_angle_init_has_larger_variance_than_uniform_when_deep():
    kwargs = dict(samples=200, observable="zz", param_index=0, seed=6)
    uni = gradient_variance("random_pauli", 6, 40, init="uniform", **kwargs)
    small = gradient_variance("random_pauli", 6, 40, init=("small", 0.05), **kwargs)
    assert small.init == {"name": "small", "width": 0.05}
    assert small.variances[0] > uni.variances[0] + 4 * (small.stderr[0] + uni.stderr[0])


def test_all_is_the_mean_of_the_per_parameter_variances():
    kwargs = dict(samples=50, observable="local", seed=9)
    qubits = [2, 3]
    res_all = gradient_variance("real_amplitudes", qubits, 1, param_index="all", **kwargs)
    circuits_p = [plateau.build_ansatz("real_amplitudes", n, 1, {}).num_parameters for n in qubits]
    for i, (n, p) in enumerate(zip(qubits, circuits_p)):
        each = [gradient_variance("real_amplitudes", n, 1, param_index=k, **kwargs).variances[0]
                for k in range(p)]
        assert res_all.variances[i] == pytest.approx(np.mean(each), rel=1e-10)


def test_custom_sparse_pauli_op_and_callable_observable():
    """On ⊗RX(θ_j)|0>: <Z_0> = cos θ_0 and <Y_0> = -sin θ_0, so both gradients have
    variance E[sin²] = E[cos²] = 1/2; every other parameter has zero gradient."""
    n_samples = 4000
    sigma = math.sqrt((3 / 8 - 1 / 4) / n_samples)  # E[sin⁴] = 3/8
    z0 = SparsePauliOp.from_sparse_list([("Z", [0], 1.0)], 3)
    y0 = SparsePauliOp.from_sparse_list([("Y", [0], 1.0)], 3)
    for op in (z0, y0):  # diagonal and non-diagonal paths
        res = gradient_variance(rx_product, 3, 1, samples=n_samples, observable=op, seed=1)
        assert abs(res.variances[0] - 0.5) < 4 * sigma
        assert res.reference[0] == pytest.approx(reference_variance("zz", 3))
        other = gradient_variance(rx_product, 3, 1, samples=20, observable=op, param_index=2)
        assert other.variances[0] == pytest.approx(0.0, abs=1e-20)

    def y_first(n):
        return SparsePauliOp.from_sparse_list([("Y", [0], 1.0)], n)

    res = gradient_variance(rx_product, [1, 2, 3], 1, samples=n_samples, observable=y_first)
    assert res.observable == "y_first"
    assert np.all(np.abs(res.variances - 0.5) < 4 * sigma)


def test_means_of_a_gradient_with_a_nonzero_mean():
    """On RX(θ)|0>, <Y> = -sin θ, so ∂<Y>/∂θ = -cos θ.  With θ ~ Normal(0, σ²):
    mean -e^(-σ²/2) and variance (1 + e^(-2σ²))/2 - e^(-σ²).  The other qubits' angles do
    not enter.  (Uniform angles give zero means everywhere, so only this checks the means.)"""
    sigma, n_samples = 0.3, 4000

    def y_first(n):
        return SparsePauliOp.from_sparse_list([("Y", [0], 1.0)], n)

    res = gradient_variance(rx_product, [1, 2], 1, samples=n_samples, observable=y_first,
                            init=("small", sigma), param_index=0, seed=3)
    mean = -math.exp(-sigma ** 2 / 2)
    var = (1 + math.exp(-2 * sigma ** 2)) / 2 - math.exp(-sigma ** 2)
    for m, v, se in zip(res.means, res.variances, res.stderr):
        assert abs(m - mean) < 4 * math.sqrt(var / n_samples), (m, mean)
        assert abs(v - var) < 4 * se, (v, var, se)


def test_seeds_reproduce_and_differ():
    kwargs = dict(qubits=[2, 3], layers=[2, 3], samples=40, observable="zz")
    a = gradient_variance("random_pauli", seed=7, **kwargs)
    b = gradient_variance("random_pauli", seed=7, **kwargs)
    c = gradient_variance("random_pauli", seed=8, **kwargs)
    np.testing.assert_array_equal(a.variances, b.variances)
    np.testing.assert_array_equal(a.means, b.means)
    assert not np.allclose(a.variances, c.variances)
    unseeded = gradient_variance("random_pauli", seed=None, **kwargs)
    again = gradient_variance("random_pauli", seed=unseeded.seed, **kwargs)
    np.testing.assert_array_equal(unseeded.variances, again.variances)


@pytest.mark.timeout(120)
def test_executor_gives_the_same_numbers_as_serial():
    kwargs = dict(qubits=[2, 3, 4], layers=[1, 4], samples=60, observable="local", seed=3)
    serial = gradient_variance("random_pauli", **kwargs)
    with ThreadPoolExecutor(max_workers=2) as pool:
        spread = gradient_variance("random_pauli", executor=pool, **kwargs)
    np.testing.assert_array_equal(serial.variances, spread.variances)
    np.testing.assert_array_equal(serial.stderr, spread.stderr)


@pytest.mark.timeout(120)
def test_process_pool_executor_gives_the_same_numbers():
    """Points travel to other processes as compiled programs (picklable), seeds per point."""
    from concurrent.futures import ProcessPoolExecutor

    kwargs = dict(qubits=[2, 3], layers=2, samples=40, observable="zz", seed=12)
    serial = gradient_variance("random_pauli", **kwargs)
    with ProcessPoolExecutor(max_workers=2) as pool:
        spread = gradient_variance("random_pauli", executor=pool, **kwargs)
    np.testing.assert_array_equal(serial.variances, spread.variances)


def test_depth_per_qubit_rule():
    res = gradient_variance("random_pauli", [2, 3], plateau.DepthPerQubit(4), samples=20,
                            observable="zz")
    assert res.layers == [8, 12] and res.variances.shape == (2,)
    assert [row["layers"] for row in res.to_rows()] == [8, 12]
    alone = gradient_variance("random_pauli", 3, 12, samples=20, observable="zz")
    assert res.variances[1] == alone.variances[0]  # same point, same seed stream
    parts = [gradient_variance("random_pauli", n, plateau.DepthPerQubit(4), samples=20,
                               observable="zz") for n in (2, 3)]
    merged = plateau.combine_widths(parts)
    np.testing.assert_array_equal(merged.variances, res.variances)
    assert merged.decay_rate == pytest.approx(res.decay_rate)


def test_depth_sweep_shapes_and_serialisation():
    res = gradient_variance("random_pauli", [2, 3, 4], [1, 3], samples=30, observable="zz", seed=0)
    assert res.variances.shape == (3, 2) and res.stderr.shape == (3, 2)
    assert res.decay_rate.shape == (2,) and res.reference.shape == (3,)
    back = PlateauResult.from_json(res.to_json())
    np.testing.assert_allclose(back.variances, res.variances)
    np.testing.assert_allclose(back.decay_rate, res.decay_rate)
    assert back.layers == [1, 3] and back.qubits == [2, 3, 4]
    json.loads(res.to_json())  # standard JSON
    rows = res.to_rows()
    assert len(rows) == 6
    assert rows[1]["qubits"] == 2 and rows[1]["layers"] == 3
    assert rows[1]["variance"] == pytest.approx(res.variances[0, 1])
    csv_text = res.to_csv().splitlines()
    assert csv_text[0].startswith("ansatz,observable,init,param_index,qubits,layers")
    assert len(csv_text) == 7


def test_progress_and_stop():
    seen = []
    gradient_variance("random_pauli", [2, 3], 2, samples=30, progress=lambda d, t: seen.append((d, t)))
    assert seen[-1] == (60, 60) and all(a[0] <= b[0] for a, b in zip(seen, seen[1:]))

    stop = threading.Event()

    def stop_after_first(done, total):
        stop.set()

    res = gradient_variance("random_pauli", [2, 3, 4], 2, samples=30, progress=stop_after_first,
                            stop_event=stop)
    assert res.stopped
    assert np.isfinite(res.variances[0]) and np.all(np.isnan(res.variances[1:]))


def test_the_lab_runs_through_the_execution_seam_and_reports_its_path():
    """Every plateau evaluation goes through the execution seam: U(θ, 0, 0) = RY(θ) runs
    on the exact path like the RY chain and gives the same variances; a circuit the fast
    path cannot run (a reset on a spectator qubit) falls back to Aer's density matrix, the
    result says so, and the variances still agree (the reset qubit is never read)."""
    def ry_chain(n, layers):
        th = ParameterVector("θ", n * layers)
        qc = QuantumCircuit(n)
        for L in range(layers):
            for q in range(n):
                qc.ry(th[L * n + q], q)
            for q in range(n - 1):
                qc.cz(q, q + 1)
        return qc

    def u_chain(n, layers):
        qc = ry_chain(n, layers)
        out = QuantumCircuit(n)
        for inst in qc.data:
            if inst.operation.name == "ry":
                out.u(inst.operation.params[0], 0, 0, inst.qubits)
            else:
                out.append(inst)
        return out

    def with_spectator(n, layers, reset):
        qc = QuantumCircuit(n)
        qc.x(n - 1)
        if reset:
            qc.reset(n - 1)  # touches nothing the cost reads, but only a density matrix runs it
        qc.compose(ry_chain(n - 1, layers), range(n - 1), inplace=True)
        return qc

    fast = gradient_variance(ry_chain, [2, 3], 2, samples=20, observable="zz", param_index="all")
    u = gradient_variance(u_chain, [2, 3], 2, samples=20, observable="zz", param_index="all")
    np.testing.assert_allclose(u.variances, fast.variances, rtol=1e-10)
    assert fast.path == u.path == execution.PATH_EXACT and fast.fallback_reason is None

    zz_on_first_two = lambda n: SparsePauliOp.from_sparse_list([("ZZ", [0, 1], 1.0)], n)  # noqa: E731
    ref = gradient_variance(lambda n, L: with_spectator(n, L, False), [3], 2, samples=8,
                            observable=zz_on_first_two, param_index=0)
    with warnings.catch_warnings():  # the fallback warns once per process
        warnings.simplefilter("ignore", RuntimeWarning)
        mixed = gradient_variance(lambda n, L: with_spectator(n, L, True), [3], 2, samples=8,
                                  observable=zz_on_first_two, param_index=0)
    assert ref.path == execution.PATH_EXACT
    assert mixed.path == execution.PATH_AER_MIXED and "reset" in mixed.fallback_reason
    np.testing.assert_allclose(mixed.variances, ref.variances, rtol=1e-8)


def test_cost_landscape_matches_closed_form():
    """Through point p on ⊗RX, the global cost along direction 0 is
    cos²((p0 + t)/2) cos²(p1/2); on a 2-D grid cos²((p0+s)/2) cos²((p1+t)/2)."""
    point = np.array([0.4, 1.1])
    line = cost_landscape(rx_product, 2, 1, "global", directions=(0,), point=point, resolution=9)
    expected = np.cos((point[0] + line.offsets) / 2) ** 2 * np.cos(point[1] / 2) ** 2
    np.testing.assert_allclose(line.values, expected, atol=1e-12)
    grid = cost_landscape(rx_product, 2, 1, "global", directions=(0, 1), point=point, resolution=7)
    s, t = np.meshgrid(grid.offsets, grid.offsets, indexing="ij")
    np.testing.assert_allclose(grid.values, np.cos((0.4 + s) / 2) ** 2 * np.cos((1.1 + t) / 2) ** 2,
                               atol=1e-12)
    assert grid.to_dict()["directions"] == [0, 1]


@pytest.mark.parametrize("kwargs, error, words", [
    (dict(qubits=30), CapacityError, ["30", "24"]),
    (dict(samples=0), SpecError, ["samples", "0", ">= 2"]),
    (dict(param_index=999), SpecError, ["param_index", "999", "out of range", "indices 0.."]),
    (dict(param_index="some"), SpecError, ["param_index", "all"]),
    (dict(observable="zx"), SpecError, ["observable", "global", "local", "zz"]),
    (dict(init="zeros"), SpecError, ["init", "identity_block", "small"]),
    (dict(init=("small", -1.0)), SpecError, ["init.width", "positive"]),
    (dict(layers=0), SpecError, ["layers", ">= 1"]),
    (dict(qubits=[2, 2]), SpecError, ["qubits", "repeat"]),
    (dict(ansatz="nope"), SpecError, ["ansatz", "real_amplitudes", "random_pauli"]),
])
def test_bad_input_gets_a_clear_message(kwargs, error, words):
    call = dict(ansatz="random_pauli", qubits=[2, 3], layers=2, samples=10, observable="zz")
    call.update(kwargs)
    with pytest.raises(error) as info:
        gradient_variance(**call)
    for word in words:
        assert word in str(info.value), (word, str(info.value))


def test_wrong_width_callable_and_mismatched_observable():
    def wrong(num_qubits, layers):
        return rx_product(num_qubits + 1, layers)

    with pytest.raises(SpecError, match=r"returned a circuit of 4 qubits when asked for 3"):
        gradient_variance(wrong, 3, 1, samples=10)
    with pytest.raises(SpecError, match=r"acts on 3 qubits but the circuit has 2"):
        gradient_variance(rx_product, [2, 3], 1, samples=10,
                          observable=SparsePauliOp("ZZZ"))
    with pytest.raises(SpecError, match=r"zz.*needs at least 2 qubits"):
        gradient_variance(rx_product, [1, 2], 1, samples=10, observable="zz")
