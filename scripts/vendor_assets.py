"""Fetch the pinned front-end packages with `npm pack`, verify their integrity, copy what we serve.

Run at install time only (make install); the app itself never needs Node. Re-running is a no-op when
app/static/vendor already holds the pinned versions.
"""

import base64
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = ROOT / "frontend-assets.json"
VENDOR = ROOT / "app" / "static" / "vendor"


def sri_sha512(path: Path) -> str:
    digest = hashlib.sha512(path.read_bytes()).digest()
    return "sha512-" + base64.b64encode(digest).decode()


def pack(name: str, version: str, workdir: Path) -> Path:
    """Download one package tarball with npm's ordinary client."""
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("npm is needed once, to fetch the front-end assets: install Node.js and npm.")
    result = subprocess.run(  # noqa: S603 - fixed arguments from our own manifest
        [npm, "pack", f"{name}@{version}", "--json", "--pack-destination", str(workdir)],
        capture_output=True,
        text=True,
        check=True,
    )
    filename = json.loads(result.stdout)[0]["filename"]
    return workdir / filename


def extract(tarball: Path, paths: list[str], target: Path) -> None:
    """Copy the listed regular files out of the tarball, refusing anything outside package/."""
    wanted = {f"package/{p}": p for p in paths}
    with tarfile.open(tarball, "r:gz") as archive:
        for member in archive.getmembers():
            relative = wanted.pop(member.name, None)
            if relative is None:
                continue
            if not member.isfile() or ".." in Path(relative).parts:
                sys.exit(f"{tarball.name}: {member.name} is not a plain file")
            destination = target / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            source = archive.extractfile(member)
            assert source is not None
            destination.write_bytes(source.read())
    if wanted:
        sys.exit(f"{tarball.name}: missing {sorted(wanted.values())}")


def install(name: str, spec: dict, workdir: Path) -> None:
    target = VENDOR / name
    stamp = target / ".version"
    if stamp.exists() and stamp.read_text().strip() == spec["version"]:
        return
    tarball = pack(name, spec["version"], workdir)
    actual = sri_sha512(tarball)
    if actual != spec["integrity"]:
        sys.exit(f"{name}@{spec['version']}: integrity mismatch ({actual})")
    if target.exists():
        shutil.rmtree(target)
    extract(tarball, spec["paths"], target)
    stamp.write_text(spec["version"] + "\n")
    print(f"vendored {name}@{spec['version']}")


def main() -> None:
    packages = json.loads(MANIFEST.read_text())["packages"]
    with tempfile.TemporaryDirectory() as tmp:
        for name, spec in packages.items():
            install(name, spec, Path(tmp))


if __name__ == "__main__":
    main()
