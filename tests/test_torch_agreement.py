"""The Adam family step by step against ``torch.optim``.

Each rule and its PyTorch counterpart get the same random gradients for 1000
steps, in float64, and must hold the same parameters to 1e-10 relative all
along. Skipped without torch, unless SKLEARN_ADAM_REQUIRE_TORCH is set (as in
CI), where a missing torch is an error.
"""

import os

import numpy as np
import pytest
from numpy.testing import assert_allclose

from sklearn_adam._rules import Adam, Adamax, AdamW, AMSGrad, NAdam

if os.environ.get("SKLEARN_ADAM_REQUIRE_TORCH"):
    import torch
else:
    torch = pytest.importorskip("torch")

N_STEPS = 1000
CHECK_EVERY = 100
SHAPES = [(3, 4), (3,)]

# Hyperparameters shared by both sides: the family's defaults, and a set where
# every one differs from them (a large epsilon makes its placement matter).
SETTINGS = {
    "defaults": dict(learning_rate=1e-3, beta_1=0.9, beta_2=0.999, epsilon=1e-8),
    "custom": dict(learning_rate=1e-2, beta_1=0.8, beta_2=0.95, epsilon=1e-3),
}
WEIGHT_DECAY = {"defaults": 1e-2, "custom": 0.05}
MOMENTUM_DECAY = {"defaults": 4e-3, "custom": 0.05}


def _pair(rule, setting, params):
    """Our solver and the torch optimizer for ``rule`` under ``setting``."""
    hp = SETTINGS[setting]
    torch_hp = dict(lr=hp["learning_rate"], betas=(hp["beta_1"], hp["beta_2"]), eps=hp["epsilon"])
    # foreach=False: the plain per-tensor loop, whatever torch would pick.
    if rule == "adam":
        return Adam(**hp), torch.optim.Adam(params, **torch_hp, foreach=False)
    if rule == "amsgrad":
        return AMSGrad(**hp), torch.optim.Adam(params, **torch_hp, amsgrad=True, foreach=False)
    if rule == "adamw":
        decay = WEIGHT_DECAY[setting]
        return (
            AdamW(**hp, weight_decay=decay),
            torch.optim.AdamW(params, **torch_hp, weight_decay=decay, foreach=False),
        )
    if rule == "nadam":
        decay = MOMENTUM_DECAY[setting]
        return (
            NAdam(**hp, momentum_decay=decay),
            torch.optim.NAdam(params, **torch_hp, momentum_decay=decay, foreach=False),
        )
    return Adamax(**hp), torch.optim.Adamax(params, **torch_hp, foreach=False)


@pytest.fixture
def float64_default_dtype():
    # torch keeps NAdam's running momentum product in the default dtype; in
    # float32 its rounding reaches the parameters at 1e-11 to 1e-9 relative.
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(previous)


def _gradients(rng):
    """One step's gradients, of scales that vary from step to step.

    The scales make the second moment fall now and then (so AMSGrad's maximum
    matters), sometimes drop below epsilon, and a row of the first array is
    zero every seventh step.
    """
    scale = 10.0 ** rng.uniform(-4, 1)
    grads = [scale * rng.standard_normal(shape) for shape in SHAPES]
    if rng.uniform() < 1 / 7:
        grads[0][0] = 0.0
    return grads


@pytest.mark.usefixtures("float64_default_dtype")
@pytest.mark.parametrize("setting", sorted(SETTINGS))
@pytest.mark.parametrize("rule", ["adam", "amsgrad", "adamw", "nadam", "adamax"])
def test_trajectory_matches_torch(rule, setting):
    rng = np.random.default_rng(20240613)
    # Starting values of magnitude 2 to 3: in 1000 steps no parameter comes
    # within 0.5 of zero, where a relative comparison would mean little.
    ours = [rng.uniform(2, 3, shape) * rng.choice([-1.0, 1.0], shape) for shape in SHAPES]
    theirs = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in ours]
    solver, optimizer = _pair(rule, setting, theirs)
    state = solver.init(ours)
    start = [p.copy() for p in ours]
    for step in range(1, N_STEPS + 1):
        grads = _gradients(rng)
        for tensor, grad in zip(theirs, grads):
            tensor.grad = torch.tensor(grad, dtype=torch.float64)
        optimizer.step()
        if isinstance(solver, AdamW):
            updates, state = solver.update(grads, state, params=ours)
        else:
            updates, state = solver.update(grads, state)
        for p, u in zip(ours, updates):
            p += u
        if step % CHECK_EVERY == 0 or step == N_STEPS:
            for p, tensor in zip(ours, theirs):
                assert_allclose(p, tensor.detach().numpy(), rtol=1e-10, atol=0, err_msg=f"{step=}")
    assert state.step == N_STEPS
    # The parameters did move, so the comparison is not between two starts.
    assert not np.allclose(ours[0], start[0], rtol=1e-4)
