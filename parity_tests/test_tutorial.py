"""The README's main job, python -m tinygrad_lite.tutorial: it runs end to end, and every quantity it
prints equals torch's.

Exact quantities must be bit-identical. The others are float32 results of 2000-element reductions
(summed in NumPy's pairwise order here, torch's cascade order there) and of transcendental functions
(libm here, SLEEF there): those must differ from torch's by no more than the float32 rounding noise
of the computation itself, measured as torch's own float32 result's distance from the same program
run in float64 (plus one ulp). Two independent roundings of that size can differ by twice that much,
and ours may round up to twice as coarsely as torch's, so the bound is 4x (noise + ulp).
"""
import io
import math
import pathlib
import re
import runpy
import subprocess
import sys

import numpy as np
import pytest
import torch

import tinygrad_lite as tl
from tinygrad_lite import tutorial

STEP_LIMIT = 150
EXACT_STEPS = {
    "Tensors are views of a flat storage",  # metadata and copies: no arithmetic at all
    "Himmelblau with Adam",  # elementwise float32 on 2 numbers, no reductions or libm: same ops, same order
}
EXACT_LABELS = {"linspace(-1, 1, 6)", "sigmoid", "tanh", "relu",  # reprs print 4 decimals
                "mse_loss(ones(3,3), w @ x)"}  # small integers
RMSPROP = "Cubic fit: optim.RMSprop"


@pytest.fixture(scope="module")
def tutorial_run():
    """run(step_limit=150) with torch side by side: (rows, printed text)."""
    out = io.StringIO()
    rows = tutorial.run(step_limit=STEP_LIMIT, reference=torch, out=out)
    return rows, out.getvalue()


@pytest.fixture(scope="module")
def float64_rows():
    """Every program run by torch in float64 (its default dtype), flattened like run()'s rows."""
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        rows = []
        for step in tutorial.STEPS:
            torch.manual_seed(0)
            for row in step.program(torch, min(step.default_steps, STEP_LIMIT), "cpu"):
                rows.append((step.title,) + tuple(tutorial.Row(*row)[:2]))
        return rows
    finally:
        torch.set_default_dtype(previous)


def _is_exact(title, label, value):
    flat = tutorial._flatten(value)
    return (title in EXACT_STEPS or label in EXACT_LABELS
            or any(isinstance(v, (str, bool, int)) for v in flat))


def test_runs_every_step_and_prints_every_row(tutorial_run):
    rows, text = tutorial_run
    assert [t for t in dict.fromkeys(r[0] for r in rows)] == [s.title for s in tutorial.STEPS]
    for step in tutorial.STEPS:
        assert f"\n== {step.title} ==  ({step.program.__doc__.splitlines()[0]})\n" in text
    for title, label, ours, theirs, diff in rows:
        assert theirs is not None, (title, label)
        assert f"\n  {label}: {tutorial._show(ours)}\n" in text
        assert f"torch: {tutorial._show(theirs)}   [{tutorial._verdict(diff)}]\n" in text
    compared = [r for r in rows if r[4] is not None]
    assert f"\n{len(compared)} printed quantities compared with torch: " in text
    assert ", 0 different; 1 shown past a chaotic horizon, not compared." in text


def test_exact_quantities_equal_torchs(tutorial_run):
    rows, _ = tutorial_run
    exact = [r for r in rows if r[4] is not None and _is_exact(*r[:3])]
    assert len(exact) >= 20
    for title, label, ours, theirs, diff in exact:
        expected = theirs.replace("torch", "tinygrad_lite") if isinstance(theirs, str) else theirs
        assert ours == expected and diff == 0, (title, label)


def test_float32_quantities_within_float32_rounding_noise(tutorial_run, float64_rows):
    rows, _ = tutorial_run
    assert [r[:2] for r in rows] == [r[:2] for r in float64_rows]
    checked = 0
    for (title, label, ours, theirs, diff), (_, _, exact) in zip(rows, float64_rows):
        if diff is None or _is_exact(title, label, ours):
            continue
        ours, theirs, exact = (np.array(tutorial._flatten(v), dtype=np.float64) for v in (ours, theirs, exact))
        noise = np.abs(theirs - exact).max()
        ulp = np.spacing(np.abs(theirs).astype(np.float32)).astype(np.float64)
        bound = 4 * (noise + ulp)
        assert np.all(np.abs(ours - theirs) <= bound), (title, label, ours, theirs, noise)
        checked += 1
    assert checked >= 15


def test_rmsprop_compared_up_to_its_horizon_only(tutorial_run):
    rows, text = tutorial_run
    rmsprop = [r for r in rows if r[0] == RMSPROP]
    for _, label, _, _, diff in rmsprop:
        (step,) = _ints(label)
        assert (diff is not None) == (step <= tutorial.RMSPROP_HORIZON), label
    assert [r[1] for r in rmsprop] == ["loss at step 99", "bias, weight after 100 steps",
                                       "bias, weight after 150 steps"]
    header = f"== {RMSPROP} =="
    note = text.split(header)[1].split("\n")[1]
    assert note.startswith("  note: RMSprop is chaotic") and f"up to step {tutorial.RMSPROP_HORIZON} only" in note
    assert "compared with torch's up to step 100" in tutorial.__doc__.replace("\n", " ")
    assert "RMSPROP_HORIZON" in tutorial.cubic_rmsprop.__doc__


def _ints(text):
    return [int(v) for v in re.findall(r"\d+", text)]


def test_rmsprop_horizon_is_where_torch_float64_is_still_well_conditioned(monkeypatch):
    """In torch, float64: a 1e-16 change of the initial bias is still ~1e-16 at the horizon, and has
    grown by more than seven orders of magnitude by step 180 (why later steps are not compared)."""
    torch.set_default_dtype(torch.float64)  # restored by conftest
    runs = []
    for bias in (tutorial.INIT[0], tutorial.INIT[0] + 1e-16):
        monkeypatch.setattr(tutorial, "INIT", (bias,) + tutorial.INIT[1:])
        rows = [tutorial.Row(*r) for r in tutorial.cubic_rmsprop(torch, 180, "cpu")]
        runs.append({r.label: np.array(r.value) for r in rows if r.label.startswith("bias, weight")})
    at_horizon = f"bias, weight after {tutorial.RMSPROP_HORIZON} steps"
    assert np.abs(runs[0][at_horizon] - runs[1][at_horizon]).max() < 1e-15
    assert np.abs(runs[0]["bias, weight after 180 steps"] - runs[1]["bias, weight after 180 steps"]).max() > 1e-9


COMPARE_SCRIPT = str(pathlib.Path(__file__).resolve().parent.parent / "scripts" / "compare_tutorial.py")


def test_without_a_reference_shows_our_numbers_only():
    out = io.StringIO()
    rows = tutorial.run(step_limit=3, out=out)
    assert rows and all(r[3] is None and r[4] is None for r in rows)
    text = out.getvalue()
    assert text.startswith("no reference engine: showing tinygrad_lite's numbers only")
    assert "torch:" not in text and "compared with torch" not in text


def test_the_package_never_imports_torch():
    """python -m tinygrad_lite.tutorial runs with torch unimportable and never loads it."""
    code = ("import sys; sys.modules['torch'] = None\n"
            "from tinygrad_lite import tutorial\n"
            "assert tutorial.main(['--steps', '3', '--no-progress']) == 0")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert "no reference engine" in done.stdout


def test_compare_script_says_so_when_torch_is_not_installed(monkeypatch, capsys):
    script = runpy.run_path(COMPARE_SCRIPT)  # defines _torch; __main__ guard not taken
    monkeypatch.setitem(sys.modules, "torch", None)
    assert script["_torch"]() is None
    assert capsys.readouterr().out.startswith("torch is not installed: showing tinygrad_lite's numbers only")


def test_graph_dir_writes_the_graphs_as_dot_text(tmp_path, monkeypatch):
    monkeypatch.setattr(tutorial.shutil, "which", lambda name: None)  # as on a machine without `dot`
    out = io.StringIO()
    tutorial.run(step_limit=3, graph_dir=str(tmp_path), out=out)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["cubic_polynomial3.gv", "cubic_sequential.gv", "linear_regression_yhat.gv"]
    assert "MseLossBackward0" in (tmp_path / "cubic_sequential.gv").read_text()
    assert "AddmmBackward0" in (tmp_path / "cubic_sequential.gv").read_text()
    assert "graphviz's `dot` program is not installed" in out.getvalue()


@pytest.mark.skipif(tutorial.shutil.which("dot") is None,
                    reason="graphviz's `dot` binary is not installed (apt-get install graphviz): the "
                           "tutorial's SVG pictures are not exercised")
def test_graph_dir_renders_svg_pictures(tmp_path):
    out = io.StringIO()
    tutorial.run(step_limit=3, graph_dir=str(tmp_path), out=out)
    svg = (tmp_path / "cubic_polynomial3.gv.svg").read_text()
    assert "<svg" in svg and "MseLossBackward0" in svg
    assert f"graph written to {tmp_path / 'cubic_polynomial3.gv.svg'}" in out.getvalue()


def test_command_line_runs_and_exits_0(tmp_path):
    """The README's command (what scripts/tutorial.sh runs), as a learner types it (small step counts)."""
    done = subprocess.run([sys.executable, COMPARE_SCRIPT, "--steps", "20", "--graph",
                           str(tmp_path), "--no-progress"], capture_output=True, text=True, timeout=300,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert "== Himmelblau with Adam ==" in done.stdout and "[DIFFERENT]" not in done.stdout
    assert re.search(r"\n\d+ printed quantities compared with torch: .*, 0 different;", done.stdout)
    assert (tmp_path / "cubic_sequential.gv").exists()


def test_help_and_flags(capsys):
    with pytest.raises(SystemExit) as done:
        tutorial.main(["--help"])
    assert done.value.code == 0
    assert "--steps N" in capsys.readouterr().out
    assert tutorial.main(["--steps", "2", "--no-progress"], reference=torch) == 0
    assert "compared with torch" in capsys.readouterr().out


def test_long_loops_get_a_progress_bar_when_tqdm_is_installed(monkeypatch):
    monkeypatch.setattr(tutorial, "_show_progress", True)
    short, long = range(10), range(2000)
    assert tutorial._progress(short, "x") is short
    try:
        from tqdm import tqdm
    except ImportError:
        assert tutorial._progress(long, "x") is long
    else:
        bar = tutorial._progress(long, "x")
        assert isinstance(bar, tqdm) and bar.total == 2000
        bar.close()
    monkeypatch.setitem(sys.modules, "tqdm", None)
    assert tutorial._progress(long, "x") is long


@pytest.mark.skipif(not tl.cuda.is_available(), reason="no CUDA device for tinygrad_lite")
def test_runs_on_cuda():
    out = io.StringIO()
    rows = tutorial.run(step_limit=20, device="cuda", out=out)
    assert all(r[4] != math.inf for r in rows)


def test_compare():
    assert tutorial.compare([1.0, [2.0, "tinygrad_lite.float32"]], [1.0, [2.0, "torch.float32"]]) == 0.0
    assert tutorial.compare(float("nan"), float("nan")) == 0.0
    assert tutorial.compare([1.0, 2.0], [1.0]) == math.inf
    assert tutorial.compare("a", 1.0) == math.inf
    assert tutorial.compare([4.0, -1.0], [4.0, -1.5]) == pytest.approx(1 / 3)
