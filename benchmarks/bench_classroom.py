"""A classroom of visitors: how long until each page is usable, what each costs, and
how long a closed page's kernel lives (issue 9's "done when").

    python benchmarks/bench_classroom.py                 # 1, 5 and 10 visitors at once
    python benchmarks/bench_classroom.py --visitors 1 5  # fewer rounds
    python benchmarks/bench_classroom.py --hard-close    # also a page that vanishes
                                                         # without unloading (culling path)
    python benchmarks/bench_classroom.py --pool 3        # qmlbench dashboard --pool 3

It serves the dashboard exactly as ``qmlbench dashboard`` does (``voila_command``),
waits until its pool of kernels is warm (the moment ``qmlbench dashboard`` says
"ready"; again before each round), then for each round opens N pages at once in one
headless Chromium and records per
page the seconds until it is usable: the Train button visible and enabled, the loss
and data plots drawn, anywidget never giving up on a figure.  Memory per visitor is
the resident size of each kernel process (the server's ipykernel children).  Then
the pages are closed as a visitor closes a tab (the page unloads) and the kernels
that served them are watched until they exit.  The table also prints the load
average, since what a page costs depends on what else the machine is doing, and the
CPU seconds each part used until the last page was usable (kernels, the pool's
refills, the server, Chromium): they hardly depend on the load, except Chromium's,
which grows with the seconds a page waits (Voila's spinner turns meanwhile).  In a
classroom the browsers run on the visitors' machines, not on the server.

Requires the test extra (playwright) and Chromium at /usr/bin/chromium.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from qmlbench.dashboard import WARM_MARK, dashboard_url, free_port, voila_command

CHROMIUM = os.environ.get("QMLBENCH_CHROMIUM", "/usr/bin/chromium")
RESULTS = Path(__file__).resolve().parent / "results" / "classroom.json"

#: The page is usable: Train can be pressed, and the loss and data plots are drawn.
USABLE_JS = """() => {
  const drawn = (css) => { const e = document.querySelector(css + '.js-plotly-plot, ' + css
                                                             + ' .js-plotly-plot');
                           return !!(e && e._fullLayout && e.data); };
  const b = document.querySelector('.qb-train');
  const button = b && (b.tagName === 'BUTTON' ? b : b.querySelector('button')) || b;
  return !!button && !button.disabled && button.offsetParent !== null
         && drawn('.qb-loss') && drawn('.qb-scatter');
}"""


#: For a page that did not become usable: which part of USABLE_JS was missing.
MISSING_JS = """() => {
  const plot = (css) => { const e = document.querySelector(css + '.js-plotly-plot, ' + css
                                                            + ' .js-plotly-plot');
                          return !e ? 'no plot' : (e._fullLayout && e.data ? 'drawn' : 'not drawn'); };
  const b = document.querySelector('.qb-train');
  const button = b && (b.tagName === 'BUTTON' ? b : b.querySelector('button')) || b;
  return {train: !button ? 'missing' : button.disabled ? 'disabled'
                 : button.offsetParent === null ? 'hidden' : 'ok',
          loss: plot('.qb-loss'), scatter: plot('.qb-scatter'),
          still_loading: !!document.querySelector('#loading')
                         && document.querySelector('#loading').style.display !== 'none'};
}"""


def children(pid: int) -> list[int]:
    """Process ids whose parent is ``pid`` (from /proc)."""
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            status = Path(f"/proc/{entry}/status").read_text()
        except OSError:
            continue
        if parse_status(status).get("PPid") == str(pid):
            out.append(int(entry))
    return out


def parse_status(text: str) -> dict:
    """``/proc/PID/status`` as a dict of field -> first word of the value."""
    fields = {}
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if value.strip():
            fields[key.strip()] = value.split()[0]
    return fields


def kernel_pids(server_pid: int) -> list[int]:
    pids = []
    for pid in children(server_pid):
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if "ipykernel" in cmd:
            pids.append(pid)
    return sorted(pids)


def rss_mb(pid: int) -> float | None:
    try:
        kb = parse_status(Path(f"/proc/{pid}/status").read_text()).get("VmRSS")
    except OSError:
        return None
    return None if kb is None else int(kb) / 1024


def started(pid: int) -> int:
    """When ``pid`` started (clock ticks since boot, /proc/PID/stat field 22)."""
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19])
    except (OSError, IndexError, ValueError):
        return 0


def visitor_kernels(now: list[int], leftovers: set[int], pool_size: int = 1) -> list[int]:
    """The kernels serving visitors: all but the pool's youngest ``pool_size`` (preheated
    for the next visitor) and the ``leftovers`` of earlier rounds."""
    fresh = sorted((pid for pid in now if pid not in leftovers), key=started)
    return fresh[:-pool_size] if pool_size else fresh


_TICK = os.sysconf("SC_CLK_TCK")


def cpu_s(pid: int) -> float | None:
    """CPU seconds (user + system) ``pid`` has used so far: what its work costs whatever
    else the machine does, unlike the wall-clock times, which grow with the load."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _TICK
    except (OSError, IndexError, ValueError):
        return None


def browser_cpu_s(skip: int) -> float:
    """CPU seconds of the Chromium processes under this benchmark (not under ``skip``,
    the dashboard server)."""
    parents, names = {}, {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = parse_status(Path(f"/proc/{entry}/status").read_text())
            except OSError:
                continue
            parents[int(entry)] = int(fields.get("PPid", 0))
            names[int(entry)] = fields.get("Name", "")
    mine, total = {os.getpid()}, 0.0
    changed = True
    while changed:
        changed = False
        for pid, ppid in parents.items():
            if ppid in mine and pid not in mine and pid != skip:
                mine.add(pid)
                changed = True
    for pid in mine:
        if "chrom" in names.get(pid, ""):
            total += cpu_s(pid) or 0.0
    return total


def alive(pid: int) -> bool:
    try:
        state = parse_status(Path(f"/proc/{pid}/status").read_text()).get("State")
    except OSError:
        return False
    return state not in (None, "Z", "X")


def summary(values: list[float]) -> dict:
    return {"median": round(statistics.median(values), 2), "max": round(max(values), 2)} \
        if values else {"median": None, "max": None}


def wait_for_pool(log: Path, pool: int, proc, timeout_s: float = 300) -> None:
    """Until every preheated kernel started so far is warm: the pool's ``pool`` plus one
    refill per kernel handed out (Voila logs each)."""
    t0 = time.perf_counter()
    while True:
        text = log.read_text(errors="replace")
        if text.count(WARM_MARK) >= pool + text.count("Using pre-heated kernel"):
            return
        if proc.poll() is not None:
            raise RuntimeError(f"the dashboard server exited; see {log}")
        if time.perf_counter() - t0 > timeout_s:
            raise RuntimeError(f"the pool was not warm after {timeout_s} s; see {log}")
        time.sleep(0.2)


def start_server(log: Path, pool: int = 1):
    port = free_port()
    cmd = voila_command(port=port, pool_size=pool)
    fh = log.open("w")
    proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, text=True)
    t0 = time.perf_counter()
    wait_for_pool(log, pool, proc)
    return proc, dashboard_url(port), time.perf_counter() - t0


async def open_page(browser, url: str, timeout_s: float) -> dict:
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    page = await context.new_page()
    failures, errors = [], []
    page.on("console", lambda m: failures.append(m.text)
            if "Failed to initialize model" in m.text else None)
    page.on("console", lambda m: errors.append(m.text[:300]) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)[:300]))
    t0 = time.perf_counter()
    await page.goto(url, wait_until="domcontentloaded", timeout=timeout_s * 1000)
    try:
        await page.wait_for_function(USABLE_JS, timeout=timeout_s * 1000, polling=100)
        usable = time.perf_counter() - t0
    except Exception:  # noqa: BLE001 - a page that never became usable is a result too
        usable = None
    missing = None
    if usable is None:
        try:
            missing = {**await page.evaluate(MISSING_JS), "errors": errors[-5:]}
        except Exception as exc:  # noqa: BLE001
            missing = {"page": repr(exc)[:200], "errors": errors[-5:]}
    return {"page": page, "context": context, "usable_s": usable,
            "anywidget_failures": failures, "missing": missing}


async def close_page(entry: dict, hard: bool) -> None:
    page = entry["page"]
    if not hard:
        # a visitor closing the tab: the page unloads, Voila asks for its kernel's shutdown
        await page.goto("about:blank")
    await entry["context"].close()


async def one_round(browser, url: str, server_pid: int, visitors: int, hard: bool,
                    timeout_s: float, watch_s: float, pool: int = 1) -> dict:
    before = sorted(kernel_pids(server_pid), key=started)
    leftovers = set(before[:-pool])   # all but the preheated ones: earlier rounds' kernels
    load0 = os.getloadavg()
    cpu0 = {pid: cpu_s(pid) or 0.0 for pid in kernel_pids(server_pid)}
    server0, browser0 = cpu_s(server_pid) or 0.0, browser_cpu_s(server_pid)
    pages = await asyncio.gather(*(open_page(browser, url, timeout_s) for _ in range(visitors)))
    # CPU seconds when the last page is usable (or given up on)
    cpu1 = {pid: cpu_s(pid) for pid in kernel_pids(server_pid)}
    server1, browser1 = cpu_s(server_pid) or 0.0, browser_cpu_s(server_pid)
    times = [p["usable_s"] for p in pages if p["usable_s"] is not None]
    await asyncio.sleep(2)  # the pool refills: its new kernel is not a visitor's
    visiting = visitor_kernels(kernel_pids(server_pid), leftovers, pool)
    visiting_cpu = [cpu1[pid] for pid in visiting if cpu1.get(pid) is not None]
    in_round = sum(cpu1[pid] - cpu0.get(pid, 0.0) for pid in visiting
                   if cpu1.get(pid) is not None)
    refill = sum(c - cpu0.get(pid, 0.0) for pid, c in cpu1.items()
                 if c is not None and pid not in visiting and pid not in leftovers)
    memory = [m for m in (rss_mb(pid) for pid in kernel_pids(server_pid)) if m is not None]
    visitor_memory = [m for m in (rss_mb(pid) for pid in visiting) if m is not None]
    load1 = os.getloadavg()
    t_close = time.perf_counter()
    await asyncio.gather(*(close_page(p, hard) for p in pages))
    lifetimes, remaining = {}, set(visiting)
    while remaining and time.perf_counter() - t_close < watch_s:
        for pid in list(remaining):
            if not alive(pid):
                lifetimes[pid] = time.perf_counter() - t_close
                remaining.discard(pid)
        await asyncio.sleep(0.5)
    return {
        "visitors": visitors, "close": "hard (no unload)" if hard else "tab closed (unload)",
        "usable_s": summary(times), "not_usable": visitors - len(times),
        "usable_each_s": [None if t is None else round(t, 2) for t in
                          (p["usable_s"] for p in pages)],
        "anywidget_failures": sum(len(p["anywidget_failures"]) for p in pages),
        "why_not_usable": [p["missing"] for p in pages if p["missing"] is not None],
        "kernel_rss_mb": summary(visitor_memory), "all_kernels_rss_mb": round(sum(memory)),
        "kernel_lifetime_after_close_s": summary(list(lifetimes.values())),
        "kernels_still_alive": len(remaining), "watched_s": watch_s,
        "loadavg_1min": [round(load0[0], 2), round(load1[0], 2)],
        # Until the last page was usable: each visitor kernel's CPU seconds since it
        # started (a preheated one's include its warm-up), the visitor kernels' CPU
        # seconds after the pages were opened (all together), the pool's refills', the
        # server's and Chromium's (all pages).
        "cpu_s": {"visitor_kernel_total": summary(visiting_cpu),
                  "visitor_kernels_after_open": round(in_round, 2),
                  "pool_refill": round(refill, 2),
                  "server": round(server1 - server0, 2),
                  "browser": round(browser1 - browser0, 2)},
    }


async def main_async(args) -> list[dict]:
    from playwright.async_api import async_playwright

    log = Path(args.log)
    proc, url, warm_s = start_server(log, args.pool)
    print(f"server ready (first kernel warm) after {warm_s:.1f} s at {url}", flush=True)
    rows = []
    try:
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(
                executable_path=CHROMIUM,
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                      "--disable-component-update", "--disable-sync", "--no-first-run"])
            rounds = [(n, False) for n in args.visitors]
            if args.hard_close:
                rounds.append((1, True))
            for n, hard in rounds:
                # each round meets a server that has just said "ready": its pool is warm
                wait_for_pool(log, args.pool, proc)
                row = await one_round(browser, url, proc.pid, n, hard, args.timeout,
                                      args.watch if not hard else max(args.watch, 240),
                                      args.pool)
                row["server_warm_s"] = round(warm_s, 1)
                row["pool"] = args.pool
                rows.append(row)
                print(json.dumps(row), flush=True)
                await asyncio.sleep(3)
            await browser.close()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
    return rows


def table(rows: list[dict]) -> str:
    head = ("| visitors | close | usable median / max (s) | not usable | kernel RSS median (MB) "
            "| kernel gone after close median / max (s) | still alive | load 1 min |")
    head += " CPU s to usable: kernel total median, visitor kernels, refill, server, browser |"
    lines = [head, "|" + "---|" * 9]
    for r in rows:
        u, m, k = r["usable_s"], r["kernel_rss_mb"], r["kernel_lifetime_after_close_s"]
        c = r["cpu_s"]
        lines.append(f"| {r['visitors']} | {r['close']} | {u['median']} / {u['max']} | "
                     f"{r['not_usable']} | {m['median']} | {k['median']} / {k['max']} | "
                     f"{r['kernels_still_alive']} | {r['loadavg_1min'][0]} -> "
                     f"{r['loadavg_1min'][1]} | {c['visitor_kernel_total']['median']}, "
                     f"{c['visitor_kernels_after_open']}, {c['pool_refill']}, {c['server']}, "
                     f"{c['browser']} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--visitors", type=int, nargs="+", default=[1, 5, 10])
    ap.add_argument("--hard-close", action="store_true",
                    help="also a page that vanishes without unloading (the culler frees it)")
    ap.add_argument("--timeout", type=float, default=240.0, help="seconds a page may take")
    ap.add_argument("--watch", type=float, default=60.0,
                    help="seconds to watch closed pages' kernels")
    ap.add_argument("--pool", type=int, default=1,
                    help="preheated kernels (qmlbench dashboard --pool N)")
    ap.add_argument("--log", default="/tmp/qmlbench-classroom-server.log")
    ap.add_argument("--out", default=str(RESULTS), help="where the rows are written (JSON)")
    args = ap.parse_args(argv)
    rows = asyncio.run(main_async(args))
    print(table(rows))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(rows, indent=2))
    print(f"written to {out}")
    return 0 if all(r["not_usable"] == 0 for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
