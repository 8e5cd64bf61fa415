"""From a fresh install to the first emotion on a photo, as a new user meets it.

Creates a virtual environment in a temporary folder, installs this checkout
with the ``images`` and ``faces`` extras (no PyTorch: the shipped network
predicts with NumPy), then times ``sklearn-fer predict PHOTO`` with no
``--model``, the first call after the install, on scikit-image's astronaut
(one face, 512 x 512) and on the same photo enlarged to 3000 x 2000 (target:
the first answer within 10 s of the install finishing on 2 cores). The
install itself is timed too, and depends on the network and pip's cache.

Needs the network (or pip's cache) for the dependencies, and scikit-image in
the running environment for the photo.

Run: ``python -m benchmarks.bench_first_answer``.
"""

import os
import subprocess
import sys
import tempfile
import time
import venv
from pathlib import Path

from benchmarks._common import machine, markdown_table, report

ROOT = Path(__file__).resolve().parent.parent


def _photos(folder: Path) -> list[Path]:
    from PIL import Image
    from skimage import data

    astronaut = Image.fromarray(data.astronaut())
    photos = [folder / "astronaut.jpg", folder / "astronaut-3000x2000.jpg"]
    astronaut.save(photos[0], quality=95)
    astronaut.resize((3000, 2000)).save(photos[1], quality=95)
    return photos


def main():
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        environment = folder / "venv"
        started = time.perf_counter()
        venv.create(environment, with_pip=True)
        python = environment / "bin" / "python"
        subprocess.run(
            [python, "-m", "pip", "install", "-q", f"{ROOT}[images,faces]"],
            check=True,
        )
        install = time.perf_counter() - started
        print(f"installed in {install:.0f} s", flush=True)
        command = environment / "bin" / "sklearn-fer"
        env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
        rows = []
        for photo in _photos(folder):
            started = time.perf_counter()
            ran = subprocess.run(
                [command, "predict", photo],
                capture_output=True,
                text=True,
                env=env,
                cwd=folder,
                check=False,
            )
            seconds = time.perf_counter() - started
            answer = ran.stdout.strip().splitlines()[1:2] or [ran.stderr.strip()]
            rows.append([photo.name, f"{seconds:.1f}", answer[0][:90]])
    report(
        f"First answer after `pip install .[images,faces]` ({install:.0f} s, "
        f"{machine()}; load average {os.getloadavg()[0]:.1f} at the end):",
        "",
        markdown_table(["photo", "seconds to the answer", "first line"], rows),
    )


if __name__ == "__main__":
    sys.exit(main())
