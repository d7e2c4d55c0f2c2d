"""Hatchling build hook: compile ctxfix/read/_skim.c into the optional native scanner.

A wheel built on a machine with a C compiler carries ``ctxfix/read/_ctxfix_skim.so`` (``.dylib`` on
macOS, ``.dll`` on Windows) and is tagged ``py3-none-<platform>``: the library is plain C loaded
with ctypes, so it does not depend on the Python version. An editable install builds it next to
the loader in the source tree. With no compiler, when compiling fails, or with
``CTXFIX_NO_NATIVE=1`` in the environment, the hook prints one line and the wheel is pure
Python; ctxfix then skims big logs in Python, with the same results, only slower.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path
from typing import Any, Optional, Sequence

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

ROOT = Path(__file__).resolve().parent
SOURCE = ROOT / "ctxfix" / "read" / "_skim.c"
LIBRARY = "_ctxfix_skim" + (
    ".dll" if sys.platform == "win32" else ".dylib" if sys.platform == "darwin" else ".so"
)  # the same name as ctxfix.read._native.LIBRARY


def compiler() -> Optional[list[str]]:
    """The C compiler command: $CC, Python's own CC, then cc, gcc, clang; None if none runs."""
    for cmd in (os.environ.get("CC"), sysconfig.get_config_var("CC"), "cc", "gcc", "clang"):
        if not cmd:
            continue
        argv = shlex.split(cmd)
        if argv and shutil.which(argv[0]):
            return argv
    return None


def compile_library(out: Path, extra: Sequence[str] = ()) -> Optional[str]:
    """Compile SOURCE into the shared library ``out``; return why not, or None on success.

    ``extra`` flags go before the source file (tests build variants with ``-D`` options).
    """
    cc = compiler()
    if cc is None:
        return "no C compiler found (set CC to use one)"
    flags = ["-O3", "-shared", "-fPIC", "-fvisibility=hidden"]
    if sys.platform == "darwin":
        flags = ["-O3", "-dynamiclib", "-fvisibility=hidden"]
    argv = [*cc, *flags, *extra, "-o", str(out), str(SOURCE)]
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.SubprocessError) as exc:
        return f"{' '.join(cc)} did not run ({exc})"
    if proc.returncode != 0 or not out.is_file():
        lines = (proc.stderr or proc.stdout).strip().splitlines()
        return f"{' '.join(cc)} failed: {lines[0] if lines else 'exit ' + str(proc.returncode)}"
    return None


def platform_tag() -> str:
    return sysconfig.get_platform().replace("-", "_").replace(".", "_")


class NativeScannerHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel":
            return
        if os.environ.get("CTXFIX_NO_NATIVE", "") not in ("", "0"):
            print("ctxfix: CTXFIX_NO_NATIVE is set: building without the native scanner")
            return
        if version == "editable":
            # The source tree is what gets imported: put the library next to the loader.
            why = compile_library(SOURCE.with_name(LIBRARY))
            if why:
                print(f"ctxfix: native scanner not built, big logs are skimmed in Python: {why}")
            return
        self._tmp = tempfile.mkdtemp(prefix="ctxfix-native-")
        out = Path(self._tmp) / LIBRARY
        why = compile_library(out)
        if why:
            print(f"ctxfix: native scanner not built, the wheel is pure Python: {why}")
            return
        build_data["force_include"][str(out)] = f"ctxfix/read/{LIBRARY}"
        build_data["pure_python"] = False
        build_data["tag"] = f"py3-none-{platform_tag()}"

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        tmp = getattr(self, "_tmp", None)
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
