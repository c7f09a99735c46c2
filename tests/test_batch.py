"""`cxkit batch`: one report per account in parallel workers, failures kept apart, dask."""
from __future__ import annotations

import json
import re
import subprocess
import sys

import nbformat
import pandas as pd
import pytest

from cxkit.batch import file_stem, run_batch, select_accounts
from cxkit.errors import ParameterError
from cxkit.io import load_table

FAILING = "boom"  # marker: the probe notebook fails for the account given with -p fail


def cxkit(*args):
    return subprocess.run([sys.executable, "-m", "cxkit", *args], capture_output=True, text=True,
                          timeout=600)


@pytest.fixture(scope="module")
def probe(tmp_path_factory, small_dir):
    """A small per-account notebook: records which worker ran it, can fail on demand.

    With ``rendezvous`` (a folder) each run leaves its mark there (a file named for the
    account, holding the process ids of its worker and its kernel) and waits, up to 60 s,
    until another run has left one too: ``peer`` says whether one did, so a test can
    tell that two runs were under way at once without relying on timings.
    """
    folder = tmp_path_factory.mktemp("probe")
    params = nbformat.v4.new_code_cell(
        f'data_dir: str = "{small_dir}"  # data\n'
        'account_id: str = ""  # account\n'
        'fail: str = ""  # the account for which this notebook fails\n'
        'rendezvous: str = ""  # folder where runs meet\n'
        'pause: float = 0.0  # seconds each run waits, so a test can stop a batch midway\n'
        'die: str = ""  # the account whose run kills its worker process, as the system would\n'
        'kernel_dies: str = ""  # the account whose run kills its own kernel\n'
        'once: str = ""  # a file: with it, the kernel dies only on the run that creates it')
    params.metadata["tags"] = ["parameters"]
    body = nbformat.v4.new_code_cell(
        "import os, time\n"
        "from cxkit import results\n"
        "peer = False\n"
        "if rendezvous:\n"
        "    with open(os.path.join(rendezvous, account_id), 'w') as mark:\n"
        "        mark.write(f'{os.getppid()} {os.getpid()}')  # its worker and kernel\n"
        "    deadline = time.time() + 60\n"
        "    while not peer and time.time() < deadline:\n"
        "        peer = len(os.listdir(rendezvous)) >= 2\n"
        "        time.sleep(0.05)\n"
        "time.sleep(pause)\n"
        "if account_id == kernel_dies and not (once and os.path.exists(once)):\n"
        "    if once:\n"
        "        open(once, 'w').close()\n"
        "    import signal\n"
        "    os.kill(os.getpid(), signal.SIGKILL)  # the kernel itself, as the system would\n"
        "if account_id == die:\n"
        "    import signal\n"
        "    os.kill(os.getppid(), signal.SIGKILL)  # the kernel's parent: its worker\n"
        "    time.sleep(60)\n"
        f"if account_id == fail:\n    raise ValueError('{FAILING}: no plan for ' + account_id)\n"
        "results.Results('probe', account=account_id, worker=os.getppid(), peer=peer).save()")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Probe"), params, body])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    path = folder / "probe.ipynb"
    nbformat.write(nb, path)
    return path


@pytest.fixture(scope="module")
def current(small_dir):
    accounts = load_table(small_dir, "accounts")
    return accounts.loc[accounts["status"].eq("active"), "account_id"].tolist()


def test_select_accounts_all_current_segment_and_ids(probe, small_dir, current):
    accounts = load_table(small_dir, "accounts")
    assert select_accounts(probe, "all") == current  # lost accounts are left out of "all"
    lost = accounts.loc[accounts["status"].eq("lost"), "account_id"].tolist()
    assert lost and not set(lost) & set(current)
    key = accounts.loc[accounts["segment"].eq("key") & accounts["status"].eq("active"),
                       "account_id"].tolist()
    assert select_accounts(probe, "all", segment="key") == key
    assert select_accounts(probe, f" {current[1]}, {current[0]},{current[1]}") == current[1::-1]
    assert select_accounts(probe, [lost[0]]) == [lost[0]]  # named one by one, lost is allowed


def test_select_accounts_errors_name_the_problem(probe, current):
    with pytest.raises(ParameterError, match="accounts not in .*: NOPE1, NOPE2"):
        select_accounts(probe, f"{current[0]},NOPE1,NOPE2")
    with pytest.raises(ParameterError, match="segment 'keys' not in .*segments: growth, key"):
        select_accounts(probe, "all", segment="keys")
    with pytest.raises(ParameterError, match="has no 'account_id' parameter"):
        select_accounts("data_overview", "all")
    with pytest.raises(ParameterError, match="set per account"):
        run_batch(probe, "all", overrides={"account_id": current[0]})
    with pytest.raises(ParameterError, match="no accounts selected"):
        select_accounts(probe, " , ")


HOSTILE_IDS = ["batch", "BATCH", "Q1", "Q1.failed", "x" * 300, "Acme", "ACME", "CON", "nul",
               "com1", "LPT9", "-rf", "--help", "../etc/passwd", "a/b", "a b", ".hidden",
               "tab\there", "Ünïcode", "'quoted'", "", "A0012"]


def test_file_stems_are_safe_and_distinct():
    from cxkit.batch import MAX_STEM, _stems
    stems = _stems(HOSTILE_IDS)
    values = list(stems.values())
    assert len({s.casefold() for s in values}) == len(HOSTILE_IDS)  # even ignoring case
    for account, stem in stems.items():
        assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]*", stem), stem  # no dot, no leading -
        assert len(stem) <= MAX_STEM + 9
        assert stem.split("-")[0].casefold() not in {"con", "nul", "com1", "lpt9"} or "-" in stem
    # never the batch's own file, never another account's failed notebook
    names = {f"{s}{suffix}".casefold() for s in values
             for suffix in (".html", ".ipynb", ".json", ".xlsx", ".failed.ipynb")}
    assert "batch.json" not in names
    assert len(names) == 5 * len(values)
    # plain ids keep their name; a changed one is the same in every batch
    assert stems["A0012"] == "A0012" and stems["Q1"] == "Q1"
    assert file_stem("../etc/passwd") == _stems(["../etc/passwd"])["../etc/passwd"]
    assert file_stem("../etc/passwd").startswith("etc_passwd-")


def _check_outputs(out, accounts, failing):
    for a in accounts:
        if a == failing:
            assert (out / f"{a}.failed.ipynb").exists()
            assert not (out / f"{a}.html").exists()
            continue
        res = json.loads((out / f"{a}.json").read_text())["results"]
        assert res["account"] == a  # each kernel wrote to its own run's files
        assert (out / f"{a}.html").exists() and (out / f"{a}.ipynb").exists()
    assert not list(out.glob(".*.tmp*"))
    summary = json.loads((out / "batch.json").read_text())
    assert [r["account"] for r in summary["runs"]] == accounts
    assert {r["account"] for r in summary["runs"] if not r["ok"]} == ({failing} - {None})
    return [json.loads((out / f"{a}.json").read_text())["results"] for a in accounts
            if a != failing]


def test_cli_batch_in_parallel_a_failure_does_not_stop_the_others(probe, current, tmp_path):
    accounts = current[:5]
    failing = accounts[1]
    out = tmp_path / "out"
    meet = tmp_path / "meet"
    meet.mkdir()
    proc = cxkit("batch", str(probe), "--accounts", ",".join(accounts), "--workers", "2",
                 "-p", "fail", failing, "-p", "rendezvous", str(meet), "--out", str(out))
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert "4 of 5 reports written" in proc.stderr
    line = next(ln for ln in proc.stderr.splitlines() if ln.strip().startswith(f"{failing}:"))
    assert f"ValueError: {FAILING}: no plan for {failing}" in line
    runs = _check_outputs(out, accounts, failing)
    # two worker processes shared the work (the failing account's counts: which worker
    # runs the last accounts depends on timing)
    assert len({p.read_text().split()[0] for p in meet.iterdir()}) == 2
    assert all(r["peer"] for r in runs)  # and ran at the same time


def test_a_kernel_killed_by_the_system_is_run_again_once(probe, current, tmp_path):
    """A kernel killed outright (DeadKernelError) is retried as a killed worker is: once
    killed, the account runs again and gets its report; killed every time, it fails
    alone, named, and the others are run."""
    accounts = current[:3]
    dying = accounts[1]
    result = run_batch(probe, accounts, out_dir=tmp_path / "once", workers=1, progress=False,
                       overrides={"kernel_dies": dying, "once": str(tmp_path / "died")})
    assert result.ok and (tmp_path / "died").exists()
    assert (tmp_path / "once" / f"{dying}.html").exists()
    result = run_batch(probe, accounts, out_dir=tmp_path / "always", workers=1,
                       progress=False, overrides={"kernel_dies": dying})
    assert list(result.failed) == [dying]
    assert "its kernel died twice" in result.failed[dying]


def test_a_worker_killed_by_the_system_fails_only_its_account(probe, current, tmp_path):
    """A worker killed outright (as the out-of-memory killer does) breaks the process pool;
    the accounts under way are run again one at a time, so only the one that kills its
    worker again fails, named in the summary, and every other account gets its report."""
    accounts = current[:5]
    dying = accounts[1]
    out = tmp_path / "out"
    result = run_batch(probe, accounts, overrides={"die": dying}, out_dir=out, workers=2,
                       progress=False)
    assert list(result.failed) == [dying]
    assert "its process died while running this account, twice" in result.failed[dying]
    assert f"{dying}: worker failed: its process died" in result.summary()
    for a in accounts:
        assert (out / f"{a}.html").exists() == (a != dying)
        if a != dying:
            assert json.loads((out / f"{a}.json").read_text())["results"]["account"] == a
    assert not list(out.glob(".*.tmp*"))
    assert [r["account"] for r in json.loads((out / "batch.json").read_text())["runs"]] == accounts


def test_cli_batch_all_succeed_exit_zero(probe, current, tmp_path):
    proc = cxkit("batch", str(probe), "--accounts", ",".join(current[:2]), "--workers", "1",
                 "--out", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert "2 of 2 reports written" in proc.stdout
    _check_outputs(tmp_path, current[:2], None)


def test_cli_batch_bad_input_one_line_no_traceback(probe, tmp_path):
    proc = cxkit("batch", str(probe), "--accounts", "NOPE", "--out", str(tmp_path))
    assert proc.returncode == 1
    assert proc.stderr.startswith("cxkit: error: accounts not in") and "Traceback" not in proc.stderr
    proc = cxkit("batch", str(probe), "--accounts", "all", "--workers", "0")
    assert proc.returncode == 1 and "--workers must be at least 1" in proc.stderr


def test_batch_of_account_plans_writes_report_and_workbook(current, small_dir, tmp_path):
    """The real notebook, two accounts at once: HTML, workbook and key results per account."""
    accounts = current[:2]
    result = run_batch("key_account_plan", accounts, overrides={"data_dir": str(small_dir)},
                       out_dir=tmp_path, workers=2, progress=False)
    assert result.ok, result.summary()
    # the portfolio was fitted once, and each run read its own share of it
    assert result.prepared["accounts"] == result.prepared["used"] == 2
    assert json.loads((tmp_path / "batch.json").read_text())["prepared"]["used"] == 2
    for a in accounts:
        assert json.loads((tmp_path / f"{a}.json").read_text())["results"]["account_id"] == a
        assert a in (tmp_path / f"{a}.html").read_text()
        assert "Objectives" in pd.ExcelFile(tmp_path / f"{a}.xlsx").sheet_names


def test_a_batch_whose_portfolio_cannot_be_fitted_says_so_once(current, small_dir, tmp_path):
    """The portfolio is fitted once, before any account runs: a configuration it cannot
    use is one clear error, not one per account, and batch.json says the batch failed."""
    config = tmp_path / "planning.yaml"
    config.write_text("window_months: twelve\n")
    out = tmp_path / "out"
    proc = cxkit("batch", "key_account_plan", "--accounts", ",".join(current[:2]),
                 "-p", "data_dir", str(small_dir), "-p", "config", str(config),
                 "--out", str(out))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert proc.stderr.startswith("cxkit: error:") and "window_months" in proc.stderr
    summary = json.loads((out / "batch.json").read_text())
    assert summary["status"] == "failed" and "window_months" in summary["error"]
    assert summary["not_run"] == current[:2] and summary["runs"] == []
    assert not list(out.glob("*.html"))


def test_batch_on_a_dask_local_cluster(probe, current, tmp_path):
    """--scheduler: the same batch on dask.distributed, here a LocalCluster on loopback.

    One worker process with two threads: two runs share a process, so this also checks
    that their kernels, environments and output files stay apart.
    """
    distributed = pytest.importorskip("distributed")
    accounts = current[:4]
    failing = accounts[2]
    meet = tmp_path / "meet"
    meet.mkdir()
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as cluster:
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        result = run_batch(probe, accounts, overrides={"fail": failing, "rendezvous": str(meet)},
                           out_dir=tmp_path / "out",
                           scheduler=cluster.scheduler_address, progress=False)
    assert result.workers == cluster.scheduler_address
    assert list(result.failed) == [failing]
    assert f"{FAILING}: no plan for {failing}" in result.failed[failing]
    runs = _check_outputs(tmp_path / "out", accounts, failing)
    assert all(r["peer"] for r in runs)  # two runs were under way at once


def test_batch_unreachable_scheduler_is_a_clear_error(probe, current):
    pytest.importorskip("distributed")
    proc = cxkit("batch", str(probe), "--accounts", current[0],
                 "--scheduler", "tcp://127.0.0.1:9")
    assert proc.returncode == 1
    assert proc.stderr.startswith("cxkit: error: cannot reach the dask scheduler at "
                                  "tcp://127.0.0.1:9"), proc.stderr


# --------------------------------------------------------------------------- stopping
def _gone(pid: int, seconds: float = 15) -> bool:
    """Whether process ``pid`` has ended (waits a little: a stopping process is not instant)."""
    import os
    import time
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


def _start_and_stop(probe, accounts, out, meet, how):
    """Start a batch of 2 workers whose runs take 4 s, stop it while its second pair of
    runs is under way (SIGINT to its process group, as Ctrl-C; or SIGTERM to it alone)."""
    import os
    import signal
    import time
    proc = subprocess.Popen([sys.executable, "-m", "cxkit", "batch", str(probe), "--accounts",
                             ",".join(accounts), "--workers", "2", "-p", "rendezvous", str(meet),
                             "-p", "pause", "4", "--out", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    deadline = time.time() + 120
    while time.time() < deadline and not (len(list(out.glob("*.html"))) >= 2
                                           and len(list(meet.iterdir())) >= 4):
        time.sleep(0.1)
    assert len(list(meet.iterdir())) >= 4, "the batch did not get under way"
    # under way, batch.json says so (a batch killed outright leaves no earlier batch's file)
    assert json.loads((out / "batch.json").read_text())["status"] == "running"
    if how == "SIGINT":
        os.killpg(proc.pid, signal.SIGINT)
    else:
        os.kill(proc.pid, signal.SIGTERM)
    stdout, stderr = proc.communicate(timeout=120)
    return proc.returncode, stderr


@pytest.mark.parametrize("how", ["SIGINT", "SIGTERM"])
def test_a_stopped_batch_ends_its_kernels_says_what_it_did_and_resumes(probe, current,
                                                                       tmp_path, how):
    accounts = current[:6]
    out, meet = tmp_path / "out", tmp_path / "meet"
    meet.mkdir()
    code, stderr = _start_and_stop(probe, accounts, out, meet, how)
    assert code == 130 and "Traceback" not in stderr, stderr
    assert "cxkit: interrupted:" in stderr and "--resume" in stderr
    # no worker and no kernel is left running, and nothing half-written is left behind
    started = [p.read_text().split() for p in meet.iterdir()]
    from cxkit.paths import HOST
    from cxkit.runner import _kernels_parent
    for worker, kernel in started:
        assert _gone(int(worker)) and _gone(int(kernel)), (worker, kernel)
        assert not list(_kernels_parent().glob(f"{HOST}-{worker}-*"))  # kernel folders
    assert not list(out.glob(".*tmp*")) and not (out / ".cxkit-batch.lock").exists()
    summary = json.loads((out / "batch.json").read_text())
    assert summary["status"] == "interrupted"
    done = [r["account"] for r in summary["runs"] if r["ok"]]
    assert 2 <= len(done) < len(accounts)
    assert summary["not_run"] == [a for a in accounts if a not in done]
    assert {f"{a}.html" for a in done} == {p.name for p in out.glob("*.html")}
    # --resume with the same options runs only the accounts not done, in the same folder
    kept = {a: (out / f"{a}.html").stat().st_mtime_ns for a in done}
    again = cxkit("batch", str(probe), "--accounts", ",".join(accounts), "--workers", "2",
                  "-p", "rendezvous", str(meet), "-p", "pause", "4", "--out", str(out),
                  "--resume")
    assert again.returncode == 0, again.stderr
    summary = json.loads((out / "batch.json").read_text())
    assert summary["status"] == "complete" and summary["not_run"] == []
    assert [r["account"] for r in summary["runs"]] == accounts
    assert all(r["ok"] for r in summary["runs"])
    assert {a: (out / f"{a}.html").stat().st_mtime_ns for a in done} == kept


def test_a_second_batch_in_the_same_folder_is_refused(probe, current, tmp_path):
    import os
    out = tmp_path / "out"
    out.mkdir()
    lock = out / ".cxkit-batch.lock"
    from cxkit.paths import HOST
    lock.write_text(json.dumps({"host": HOST, "pid": os.getpid(), "started": "earlier"}))
    proc = cxkit("batch", str(probe), "--accounts", current[0], "--out", str(out))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "another batch is writing here" in proc.stderr and str(os.getpid()) in proc.stderr
    assert lock.exists() and not (out / "batch.json").exists()  # the holder's lock is kept
    # a lock left by a killed batch (its process is gone) is taken over
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()
    lock.write_text(json.dumps({"host": HOST, "pid": int(dead), "started": "earlier"}))
    proc = cxkit("batch", str(probe), "--accounts", current[0], "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert not lock.exists() and (out / "batch.json").exists()


def test_resume_refuses_a_folder_of_another_notebook(probe, current, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "batch.json").write_text(json.dumps({"notebook": "key_account_plan", "runs": []}))
    proc = cxkit("batch", str(probe), "--accounts", current[0], "--out", str(out), "--resume")
    assert proc.returncode == 1 and "is a batch of 'key_account_plan', not 'probe'" in proc.stderr


def test_resume_refuses_when_the_data_or_the_settings_changed(probe, current, small_dir,
                                                              tmp_path):
    """A resumed batch never mixes data: batch.json records what its reports were made from
    (the data files, the settings, cxkit's version); another key is refused, naming what
    changed, and a run without --resume makes every report again."""
    import shutil

    from cxkit.errors import CxkitError
    data = tmp_path / "data"
    shutil.copytree(small_dir, data)
    out = tmp_path / "out"
    first = run_batch(probe, current[:1], out_dir=out, workers=1,
                      overrides={"data_dir": str(data)})
    assert first.ok
    key = json.loads((out / "batch.json").read_text())["key"]
    assert set(key) == {"data", "settings", "version", "files"} and key["files"]["revenue"]
    # unchanged: resumes, nothing to run again
    same = run_batch(probe, current[:2], out_dir=out, workers=1,
                     overrides={"data_dir": str(data)}, resume=True)
    assert same.ok and len(same.runs) == 2
    revenue = next(data.glob("revenue.csv*"))
    rev = pd.read_csv(revenue, dtype=str, keep_default_na=False)
    rev.loc[rev["account_id"] == current[0], "revenue"] = "999999.0"  # tenfold, and more
    rev.to_csv(revenue, index=False)
    with pytest.raises(CxkitError, match=r"cannot resume: the data \(revenue\) changed"):
        run_batch(probe, current[:2], out_dir=out, workers=1,
                  overrides={"data_dir": str(data)}, resume=True)
    with pytest.raises(CxkitError, match="the settings"):
        run_batch(probe, current[:2], out_dir=out, workers=1,
                  overrides={"data_dir": str(data), "pause": 0.01}, resume=True)
    again = run_batch(probe, current[:2], out_dir=out, workers=1,
                      overrides={"data_dir": str(data)})  # without --resume: all again
    assert again.ok and json.loads((out / "batch.json").read_text())["key"]["data"] != \
        key["data"]
