"""Executes a notebook with nbclient against the dpl kernel, as `jupyter nbconvert --execute`
or a front end's *Run All* would, and checks what it showed.

    python run_notebook.py DATA_DIR NOTEBOOK WORK_DIR [--record]

DATA_DIR holds kernels/dpl (written by `dpl kernel install --prefix P`: P/share/jupyter);
the kernel runs in WORK_DIR (the run folder, runs/run, is written there). Every code cell
must run without an error; the notebook must show PNG images (the loss plot, a heatmap)
and the texts below; and each cell's text outputs must equal the ones stored in NOTEBOOK,
so the committed notebook shows what it does. --record stores the fresh outputs in
NOTEBOOK instead. Prints one line per check and exits 1 at the first failure.
"""

import base64
import os
import re
import sys

data_dir, path, work_dir = sys.argv[1], sys.argv[2], sys.argv[3]
record = "--record" in sys.argv[4:]
os.environ["JUPYTER_PATH"] = data_dir
import nbformat  # noqa: E402
from nbclient import NotebookClient  # noqa: E402
from nbclient.exceptions import CellExecutionError  # noqa: E402

PNG = b"\x89PNG\r\n\x1a\n"


def check(name, ok, detail=""):
    if not ok:
        print(f"FAIL {name}: {detail}", flush=True)
        raise SystemExit(1)
    print(f"ok {name}", flush=True)


def texts(cell):
    """A code cell's text outputs, in order: streams and the text of values."""
    out = []
    for o in cell.get("outputs", []):
        if o["output_type"] == "stream":
            out.append((o["name"], o["text"]))
        elif o["output_type"] in ("execute_result", "display_data") and "text/plain" in o.get("data", {}):
            out.append((o["output_type"], o["data"]["text/plain"]))
    return out


def pngs(cell):
    return [base64.b64decode(o["data"]["image/png"]) for o in cell.get("outputs", [])
            if o["output_type"] == "display_data" and "image/png" in o.get("data", {})]


stored = nbformat.read(path, as_version=4)
nb = nbformat.read(path, as_version=4)
client = NotebookClient(nb, kernel_name="dpl", timeout=120, startup_timeout=60,
                        resources={"metadata": {"path": work_dir}})
try:
    client.execute()
except CellExecutionError as e:
    check("every cell runs", False, str(e))
code = [c for c in nb.cells if c.cell_type == "code"]
errors = [o for c in code for o in c.outputs if o["output_type"] == "error"]
check("every cell runs without an error", not errors, errors)
check("every code cell ran", all(c.get("execution_count") for c in code),
      [c.get("execution_count") for c in code])

shown = "".join(t for c in code for _, t in texts(c))
check("print output of the first cell", "[1.0, 4.0, 9.0] 14.0\n" in shown, shown)
check("a value is shown", "Tensor[3] float32" in shown, shown)
untrained = re.search(r"untrained accuracy (\d\.\d\d)", shown)
trained = re.search(r"(?<!un)trained accuracy (\d\.\d\d)", shown)
check("accuracies are printed", untrained and trained, shown)
check("training through the bypassed solver works", float(trained.group(1)) >= 0.9, trained.group(0))
check("a command's report is shown", "fn cheapest(c: Tensor) -> Tensor" in shown, shown)

images = [(i, p) for i, c in enumerate(code) for p in pngs(c)]
check("the plot and the heatmap are shown as PNG images", len(images) >= 2 and all(p.startswith(PNG) for _, p in images),
      [(i, p[:8]) for i, p in images])
training = next(i for i, c in enumerate(code) if "run.plot_metrics()" in c.source)
check("the training cell shows its plot", any(i == training for i, _ in images), [i for i, _ in images])
heatmap = next(i for i, c in enumerate(code) if c.source.startswith("concat("))
check("the 2-D value shows as a heatmap", any(i == heatmap for i, _ in images), [i for i, _ in images])
with open(os.path.join(work_dir, "runs", "run", "metrics.csv")) as f:
    rows = f.read().splitlines()
check("the run folder holds the metrics", len(rows) == 101 and rows[0].startswith("step"), rows[:2])

if record:
    for c in code:
        c.metadata.pop("execution", None)
    nbformat.write(nb, path)
    print(f"recorded {path}")
else:
    old = [c for c in stored.cells if c.cell_type == "code"]
    same = [texts(a) == texts(b) for a, b in zip(old, code)]
    check("the stored outputs are the ones the notebook gives (DPL_RECORD=1 re-records)",
          len(old) == len(code) and all(same),
          [(i, texts(a), texts(b)) for i, (a, b, s) in enumerate(zip(old, code, same)) if not s][:1])
    check("the stored notebook shows the images", sum(len(pngs(c)) for c in old) >= 2)
