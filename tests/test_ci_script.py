""".ci/chromium, which .ci/run calls: installing the browser as a user that is not root.

Before, .ci/run ran `apt-get install chromium` as whoever ran it, and failed for a user that
is not root. The script runs here with stand-ins for `id`, `sudo` and `apt-get` on PATH,
which record how they were called."""

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RECORDER = '#!/bin/sh\necho "{name} $*" >> "$CALLS"\n'


def run_script(tmp_path: Path, *, uid: int, sudo: bool, chromium: bool) -> tuple[int, str, str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    stubs = {"id": f"#!/bin/sh\necho {uid}\n", "apt-get": RECORDER.format(name="apt-get")}
    if sudo:
        stubs["sudo"] = RECORDER.format(name="sudo")
    if chromium:
        stubs["chromium"] = "#!/bin/sh\n"
    for name, text in stubs.items():
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    (bin_dir / "env").symlink_to("/usr/bin/env")
    calls = tmp_path / "calls"
    calls.touch()
    result = subprocess.run(
        ["/bin/bash", str(ROOT / ".ci" / "chromium")],
        env={"PATH": str(bin_dir), "CALLS": str(calls), "HOME": os.environ.get("HOME", "/")},
        capture_output=True,
        text=True,
        timeout=60,
    )
    return result.returncode, result.stderr, calls.read_text()


def test_a_user_without_sudo_is_told_what_to_install(tmp_path: Path) -> None:
    code, said, calls = run_script(tmp_path, uid=1000, sudo=False, chromium=False)
    assert code == 1
    assert "apt-get install chromium" in said and "not root" in said
    assert calls == ""  # no apt-get that can only fail


def test_a_user_with_sudo_installs_through_it(tmp_path: Path) -> None:
    code, _, calls = run_script(tmp_path, uid=1000, sudo=True, chromium=False)
    assert code == 0
    lines = calls.splitlines()
    assert lines and all(
        line.startswith("sudo -n env DEBIAN_FRONTEND=noninteractive apt-get") for line in lines
    )
    assert "install -y -qq --no-install-recommends chromium" in lines[-1]


def test_root_installs_with_apt_get(tmp_path: Path) -> None:
    code, _, calls = run_script(tmp_path, uid=0, sudo=True, chromium=False)
    assert code == 0
    assert calls.splitlines()[-1].startswith("apt-get install -y")


def test_nothing_is_installed_when_chromium_is_there(tmp_path: Path) -> None:
    assert run_script(tmp_path, uid=1000, sudo=False, chromium=True) == (0, "", "")


# -- .ci/tiers: the two test tiers and pytest's exit codes ------------------------------------

STUB_PYTEST = """#!/bin/sh
echo "pytest $*" >> "$CALLS"
case "$*" in
  *"not slow"*) exit "$FAST" ;;
  *) exit "$SLOW" ;;
esac
"""


def run_tiers(tmp_path: Path, fast: int, slow: int, *args: str) -> tuple[int, str, list[str]]:
    pytest_stub = tmp_path / "pytest"
    pytest_stub.write_text(STUB_PYTEST)
    pytest_stub.chmod(0o755)
    calls = tmp_path / "calls"
    calls.touch()
    result = subprocess.run(
        ["/bin/bash", str(ROOT / ".ci" / "tiers"), *args],
        env={
            "PATH": "/usr/bin:/bin",
            "PYTEST": str(pytest_stub),
            "CALLS": str(calls),
            "FAST": str(fast),
            "SLOW": str(slow),
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    return result.returncode, result.stdout + result.stderr, calls.read_text().splitlines()


def test_the_fast_tier_runs_on_a_worker_per_cpu_and_the_slow_one_in_one_process(
    tmp_path: Path,
) -> None:
    code, _, calls = run_tiers(tmp_path, 0, 0)
    assert code == 0
    assert calls == ["pytest -q -m not slow -n auto", "pytest -q -m slow -n 0"]


def test_a_failing_test_fails_the_run(tmp_path: Path) -> None:
    fast_fails, slow_fails = tmp_path / "fast", tmp_path / "slow"
    fast_fails.mkdir()
    slow_fails.mkdir()
    code, _, calls = run_tiers(fast_fails, 1, 0)
    assert code == 1 and len(calls) == 1  # the slow tier does not run after a failure
    assert run_tiers(slow_fails, 0, 1)[0] == 1


def test_no_tests_collected_fails_unless_arguments_narrowed_the_run(tmp_path: Path) -> None:
    code, said, _ = run_tiers(tmp_path, 0, 5)
    assert code == 1 and "collected no tests in the slow tier" in said
    narrowed = tmp_path / "narrowed"
    narrowed.mkdir()
    code, said, calls = run_tiers(narrowed, 0, 5, "-k", "export")
    assert code == 0 and "no test of the slow tier matches" in said
    assert calls[-1] == "pytest -q -m slow -n 0 -k export"
