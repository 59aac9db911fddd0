"""Reading py-spy's folded stacks (bench/cpu_profile.py) into the report's summary."""

from __future__ import annotations

from bench.cpu_profile import parse_folded, summarize_folded
from bench.profile_summary import BASE_DIR

# A virtualenv inside the checkout, as `scripts/venv.sh` makes it.
SITE = f"{BASE_DIR}.venv/lib/python3.11/site-packages"
HEAD = 'process 12 "daphne";thread (0x7f)'
LOOP = f"run_forever ({SITE}/twisted/x.py:1)"
VIEW = f"post ({BASE_DIR}routing/chat/views.py:46)"
QUERY = f"execute ({SITE}/psycopg/cursor.py:113)"
BENCH = f"run ({BASE_DIR}bench/loadgen.py:9)"
WORKER = "worker (/usr/lib/python3.11/concurrent/futures/thread.py:81)"
FOLDED = "\n".join(
    [
        f"{HEAD};{LOOP};{VIEW};{QUERY} 6",
        f"{HEAD};{LOOP};{VIEW} 2",
        f'process 12 "daphne";thread (0x7e);{WORKER};{BENCH} 2',
        "not a stack line",
    ]
)


def test_folded_stacks_are_read_without_py_spys_process_and_thread_frames():
    stacks = parse_folded(FOLDED)

    assert sum(stacks.values()) == 10
    assert all(not frame.startswith(("process", "thread")) for s in stacks for frame in s)


def test_the_summary_shares_samples_by_package_and_function():
    summary = summarize_folded(parse_folded(FOLDED))

    assert "10 samples of the thread holding the GIL" in summary
    packages = summary.split("Self samples by package:")[1].split("\n\n")[0]
    assert "60.0%  psycopg" in packages
    assert "20.0%  routing" in packages
    own = summary.split("functions by total")[1].split("\n\n")[0]
    # The gateway's own frames only (not the bench's), with their callees' samples.
    assert "80.0%  post  routing/chat/views.py:46" in own
    assert "loadgen" not in own
    assert "run_forever" not in own
    assert "60.0%  execute  psycopg/cursor.py:113" in summary.split("by self:")[1]
