"""The dpl Jupyter kernel: ipykernel's Kernel over a `dpl repl --json` child process.

`dpl kernel install` writes this file next to the kernelspec's kernel.json, whose argv is

    PYTHON .../kernels/dpl/dpl_kernel.py --dpl /path/to/dpl -f {connection_file}

A cell is one request to the child (docs/jupyter.md lists the requests and events). Its
events become Jupyter messages: `stream` for `print` output and logs, `execute_result`
for what the REPL shows, `display_data` with image/png for tensors and for the PNGs the
cell writes, and `error` with the diagnostic (its source line and caret) as the traceback.
An interrupt (SIGINT) goes on to the child, which stops the running input and keeps the
session's definitions and bindings.
"""

import collections
import json
import os
import queue
import signal
import subprocess
import sys
import threading

from ipykernel.kernelbase import Kernel

__version__ = "1.0"


class Ended(Exception):
    """The child process went away."""


class DplProcess:
    """A `dpl repl --json` child: requests on its stdin, events (JSON lines) from its stdout."""

    def __init__(self, dpl):
        self.child = subprocess.Popen(
            [dpl, "repl", "--json"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            bufsize=1,
        )
        self.events = queue.Queue()
        # The last lines it wrote to stderr, shown if it dies.
        self.stderr_tail = collections.deque(maxlen=20)
        threading.Thread(target=self._read_events, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()

    def _read_events(self):
        for line in self.child.stdout:
            try:
                self.events.put(json.loads(line))
            except ValueError:
                self.stderr_tail.append(line)
        self.events.put(None)

    def _read_stderr(self):
        for line in self.child.stderr:
            self.stderr_tail.append(line)
            sys.__stderr__.write(line)

    def request(self, **fields):
        """Sends a request and yields its events, the final `done` included."""
        try:
            self.child.stdin.write(json.dumps(fields) + "\n")
            self.child.stdin.flush()
        except (BrokenPipeError, OSError):
            raise Ended() from None
        while True:
            event = self.events.get()
            if event is None:
                raise Ended()
            yield event
            if event["event"] == "done":
                return

    def answer(self, **fields):
        """The `done` event of a request that only answers (completion, inspection)."""
        return list(self.request(**fields))[-1]

    def interrupt(self):
        if self.child.poll() is None:
            os.kill(self.child.pid, signal.SIGINT)

    def ended(self):
        """How the process ended, for the error message."""
        try:
            status = self.child.wait(timeout=2)
        except subprocess.TimeoutExpired:
            status = None
        return status, "".join(self.stderr_tail)

    def close(self):
        try:
            self.child.stdin.close()
            self.child.wait(timeout=2)
        except (OSError, subprocess.TimeoutExpired):
            self.child.kill()
            self.child.wait()


class DplKernel(Kernel):
    implementation = "dpl_kernel"
    implementation_version = __version__
    language = "dpl"
    language_version = __version__
    language_info = {
        "name": "dpl",
        "mimetype": "text/x-dpl",
        "file_extension": ".dpl",
    }
    banner = "dpl: a differentiable-programming language (:help lists the REPL's commands)"
    # Set by main() from --dpl.
    dpl = "dpl"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.process = None
        self.lock = threading.Lock()

    def _process(self):
        """The child, started on first use and again after it ended."""
        if self.process is None or self.process.child.poll() is not None:
            self.process = DplProcess(self.dpl)
        return self.process

    def _publish(self, msg_type, content):
        self.send_response(self.iopub_socket, msg_type, content)

    async def do_execute(self, code, silent, store_history=True, user_expressions=None,
                         allow_stdin=False, **kwargs):
        if not code.strip():
            return self._ok()
        with self.lock:
            if self.process is not None and self.process.child.poll() is not None and not silent:
                # Ended between cells (:quit): say so before a new one starts.
                status = self.process.child.returncode
                self._publish("stream", {"name": "stderr", "text": f"the dpl process had ended (exit status {status}); "
                                         "this cell starts a new session, without the earlier definitions and bindings\n"})
            try:
                process = self._process()
            except OSError as e:
                return self._error(f"cannot start {self.dpl}: {e.strerror}",
                                   ["run `dpl kernel install` again to point the kernel at a dpl"], silent)
            # SIGINT (Jupyter's interrupt) goes on to the child while the cell runs.
            try:
                previous, forwarding = signal.signal(signal.SIGINT, lambda *_: process.interrupt()), True
            except ValueError:  # not the main thread: the process group's signal reaches the child
                previous, forwarding = None, False
            try:
                return self._run_cell(process, code, silent)
            except Ended:
                self.process = None
                status, stderr = process.ended()
                lines = stderr.rstrip("\n").split("\n") if stderr.strip() else []
                lines.append("the next cell starts a new dpl session: earlier definitions and bindings are gone")
                return self._error(f"the dpl process ended (exit status {status})", lines, silent)
            finally:
                if forwarding:
                    signal.signal(signal.SIGINT, previous if previous is not None else signal.default_int_handler)

    def _run_cell(self, process, code, silent):
        failure = None
        for event in process.request(op="execute", code=code):
            kind = event["event"]
            if kind == "stream" and not silent:
                self._publish("stream", {"name": event["name"], "text": event["text"]})
            elif kind == "result" and not silent:
                self._publish("execute_result", {
                    "execution_count": self.execution_count,
                    "data": {"text/plain": event["text"].rstrip("\n")},
                    "metadata": {},
                })
            elif kind == "image" and not silent:
                self._publish("display_data", self._image(event))
            elif kind == "error":
                failure = event
        if failure is None:
            return self._ok()
        content = {k: failure[k] for k in ("ename", "evalue", "traceback")}
        if not silent:
            self._publish("error", content)
        return dict(status="error", execution_count=self.execution_count, **content)

    @staticmethod
    def _image(event):
        path = event.get("path")
        if path:
            # A file in the notebook's folder by the path the notebook would use for it.
            relative = os.path.relpath(path)
            label = f"<image {path if relative.startswith('..') else relative}>"
        else:
            label = f"<heatmap {event.get('width')}×{event.get('height')}>"
        metadata = {}
        if "width" in event:
            metadata = {"image/png": {"width": event["width"], "height": event["height"]}}
        return {"data": {"image/png": event["png"], "text/plain": label}, "metadata": metadata}

    def _ok(self):
        return {"status": "ok", "execution_count": self.execution_count, "payload": [], "user_expressions": {}}

    def _error(self, message, lines, silent):
        content = {"ename": "error", "evalue": message, "traceback": [f"error: {message}"] + lines}
        if not silent:
            self._publish("error", content)
        return dict(status="error", execution_count=self.execution_count, **content)

    def _answer(self, **fields):
        with self.lock:
            try:
                return self._process().answer(**fields)
            except (Ended, OSError):
                self.process = None
                return None

    async def do_complete(self, code, cursor_pos):
        done = self._answer(op="complete", code=code, cursor=cursor_pos) or {}
        return {
            "status": "ok",
            "matches": done.get("matches", []),
            "cursor_start": done.get("cursor_start", cursor_pos),
            "cursor_end": done.get("cursor_end", cursor_pos),
            "metadata": {},
        }

    async def do_inspect(self, code, cursor_pos, detail_level=0, omit_sections=()):
        done = self._answer(op="inspect", code=code, cursor=cursor_pos) or {}
        found = bool(done.get("found"))
        data = {"text/plain": done["text"].rstrip("\n")} if found else {}
        return {"status": "ok", "found": found, "data": data, "metadata": {}}

    async def do_is_complete(self, code):
        done = self._answer(op="is_complete", code=code) or {}
        if done.get("status") == "incomplete":
            return {"status": "incomplete", "indent": "  "}
        return {"status": "complete"}

    async def do_shutdown(self, restart):
        if self.process is not None:
            self.process.close()
            self.process = None
        return {"status": "ok", "restart": restart}


def main():
    args = sys.argv[1:]
    if "--dpl" in args:
        k = args.index("--dpl")
        DplKernel.dpl = args[k + 1]
        del args[k:k + 2]
    # A parent may have blocked SIGINT (the mask survives exec); the interrupt must reach us.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    from ipykernel.kernelapp import IPKernelApp

    IPKernelApp.launch_instance(argv=args, kernel_class=DplKernel)


if __name__ == "__main__":
    main()
