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
