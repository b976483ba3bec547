"""Drives the dpl Jupyter kernel through jupyter_client, as a notebook would.

    python kernel_session.py DATA_DIR WORK_DIR

DATA_DIR holds kernels/dpl (written by `dpl kernel install --prefix P`: P/share/jupyter);
the kernel runs in WORK_DIR. Prints one line per check and exits 1 at the first failure.
"""

import base64
import os
import signal
import sys
import time

data_dir, work_dir = sys.argv[1], sys.argv[2]
os.environ["JUPYTER_PATH"] = data_dir
from jupyter_client.manager import start_new_kernel  # noqa: E402

PNG = b"\x89PNG\r\n\x1a\n"


def check(name, ok, detail=""):
    if not ok:
        print(f"FAIL {name}: {detail}", flush=True)
        raise SystemExit(1)
    print(f"ok {name}", flush=True)


def run(kc, code, timeout=120):
    """Executes a cell; returns its reply content and its iopub outputs (type, content)."""
    msg_id = kc.execute(code)
    return collect(kc, msg_id, timeout)


def outputs_of(kc, msg_id, timeout=120, until=None):
    """The cell's outputs (type, content) until it is idle, or until `until(output)` holds."""
    outputs = []
    deadline = time.time() + timeout
    while True:
        msg = kc.get_iopub_msg(timeout=max(1, deadline - time.time()))
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        kind = msg["msg_type"]
        if kind == "status" and msg["content"]["execution_state"] == "idle":
            return outputs
        if kind in ("stream", "execute_result", "display_data", "error"):
            outputs.append((kind, msg["content"]))
            if until and until(outputs[-1]):
                return outputs


def collect(kc, msg_id, timeout=120):
    outputs = outputs_of(kc, msg_id, timeout)
    reply = kc.get_shell_msg(timeout=timeout)
    return reply["content"], outputs


def started(output):
    return output[0] == "stream" and "started" in output[1]["text"]


def text_of(outputs, kind="execute_result"):
    return "".join(c["data"]["text/plain"] for k, c in outputs if k == kind)


def pngs(outputs):
    return [base64.b64decode(c["data"]["image/png"]) for k, c in outputs
            if k == "display_data" and "image/png" in c["data"]]


km, kc = start_new_kernel(kernel_name="dpl", cwd=work_dir, startup_timeout=60)
try:
    info = kc.kernel_info(reply=True)["content"]
    check("kernel_info names the language", info["language_info"]["name"] == "dpl", info)

    reply, out = run(kc, 'let x = randn([3, 3], seed: 1)\nfn double(t: Tensor) -> Tensor {\n  t * 2.0\n}\nprint("hi")')
    streams = "".join(c["text"] for k, c in out if k == "stream" and c["name"] == "stdout")
    check("a multi-line cell runs as one input", reply["status"] == "ok" and streams == "hi\n", (reply, out))

    reply, out = run(kc, "sum(double(x) - x - x)")
    check("definitions persist across cells", reply["status"] == "ok" and text_of(out) == "Tensor[] float32 = 0", out)

    reply, out = run(kc, "let y = 1.0\nundefined_name + x")
    errors = [c for k, c in out if k == "error"]
    check("an error is a Jupyter error", reply["status"] == "error" and len(errors) == 1, (reply, out))
    tb = "\n".join(errors[0]["traceback"])
    check("the error has the message, the source line and the caret",
          errors[0]["evalue"] == "cannot find 'undefined_name' in scope"
          and "<repl>:2:1: error:" in tb and "\nundefined_name + x\n^~~~" in tb, errors[0])

    reply, out = run(kc, "x")
    images = pngs(out)
    check("a 2-D tensor displays as a PNG", len(images) == 1 and images[0].startswith(PNG), out)
    check("its text leaves the heatmap to the picture", "Tensor[3, 3] float32" in text_of(out) and "█" not in text_of(out), out)

    reply, out = run(kc, ":grad sum(x * x) wrt x")
    check(":grad shows the value and the gradient", "value 10.54" in text_of(out)
          and "gradient with respect to 'x'" in text_of(out) and len(pngs(out)) == 1, out)
    reply, out = run(kc, ":tape")
    check(":tape shows the last gradient's tape", reply["status"] == "ok" and "mul" in text_of(out), out)
    reply, out = run(kc, ":compare sum(@bypass(ste) round(x) * x) wrt x")
    check(":compare tables the strategies", reply["status"] == "ok" and "perturbed" in text_of(out), out)

    reply, out = run(kc, 'import run\nfor s in 0..<3 {\n  run.log_metrics(s, [("loss", 1.0 / (s + 1.0))])\n}\nrun.plot_metrics()')
    images = pngs(out)
    check("a plot the cell writes displays as a PNG", reply["status"] == "ok" and len(images) == 1
          and images[0].startswith(PNG), (reply, out))

    msg_id = kc.execute('var n = 0\nprint("started")\nwhile true {\n  n += 1\n}')
    outputs_of(kc, msg_id, until=started)
    time.sleep(0.2)
    interrupted = time.time()
    km.interrupt_kernel()
    reply, out = collect(kc, msg_id, timeout=30)
    errors = [c for k, c in out if k == "error"]
    check("an interrupt stops a running cell", reply["status"] == "error" and errors
          and errors[0]["evalue"] == "interrupted", (reply, out))
    print(f"   (stopped {time.time() - interrupted:.2f} s after the interrupt)")
    # A launcher may signal the kernel's process alone, not its group: the kernel passes it on.
    msg_id = kc.execute('print("started")\nwhile true {\n  n += 1\n}')
    outputs_of(kc, msg_id, until=started)
    time.sleep(0.2)
    km.provisioner.process.send_signal(signal.SIGINT)
    reply, out = collect(kc, msg_id, timeout=30)
    check("an interrupt of the kernel process alone reaches the running cell",
          reply["status"] == "error" and reply["evalue"] == "interrupted", (reply, out))
    reply, out = run(kc, "n > 0")
    check("the session survives with its bindings", reply["status"] == "ok" and text_of(out) == "true", (reply, out))
    reply, out = run(kc, "sum(double(x) - x - x)")
    check("and its definitions", reply["status"] == "ok" and text_of(out) == "Tensor[] float32 = 0", (reply, out))

    matches = kc.complete("let z = dou", 11, reply=True)["content"]
    check("completion offers definitions", "double" in matches["matches"] and matches["cursor_start"] == 8, matches)
    kc.is_complete("fn f() {")
    state = kc.get_shell_msg(timeout=30)["content"]
    check("an unclosed bracket is an incomplete input", state["status"] == "incomplete", state)
    found = kc.inspect("randn(", 3, reply=True)["content"]
    check("inspection shows a builtin's signature", found["found"] and "randn(" in found["data"]["text/plain"], found)
finally:
    kc.stop_channels()
    km.shutdown_kernel(now=False)
