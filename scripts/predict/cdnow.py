"""The CDNOW sample: a real transaction log with published BG/NBD and Gamma-Gamma fits.

CDNOW_sample.txt (2,357 customers of the online music shop CDNOW who first bought in the
first quarter of 1997, 6,919 purchases to June 1998) is the dataset of Fader, Hardie & Lee
(2005), "Counting your customers the easy way", and of its companion "RFM and CLV". With
the first 39 weeks as calibration period (to 1997-09-30) they publish

    BG/NBD       r = 0.243, alpha = 4.414, a = 0.793, b = 2.426, log-likelihood -9582.4
    Gamma-Gamma  p = 6.25,  q = 3.74,  v = 15.44

The file is not in this repository. `fetch` takes it from the wheel of the `lifetimes`
package on PyPI (MIT licence; the wheel's hash is pinned), the only place this project can
reach it: `pip download`, then the file is read out of the wheel.

    python -m scripts.predict.cdnow   # fit it and print ours beside the published values
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import zipfile
from pathlib import Path

from scripts.errors import UserError

WHEEL = "Lifetimes-0.11.3-py3-none-any.whl"
WHEEL_SHA256 = "261e3dc89977c2b60767ca6728aaa29d429de0c814635070a749c36555895da8"
MEMBER = "lifetimes/datasets/CDNOW_sample.txt"
CALIBRATION_END = "1997-09-30"
PUBLISHED_BGNBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
PUBLISHED_BGNBD_LOG_LIKELIHOOD = -9582.4
PUBLISHED_GAMMA_GAMMA = {"p": 6.25, "q": 3.74, "v": 15.44}


def fetch(folder: Path) -> Path:
    """CDNOW_sample.txt in `folder`, downloaded (from PyPI) and checked unless already there."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "CDNOW_sample.txt"
    if target.exists():
        return target
    wheel = folder / WHEEL
    if not wheel.exists():
        cmd = [sys.executable, "-m", "pip", "download", "lifetimes==0.11.3", "--no-deps"]
        cmd += ["--only-binary", ":all:", "--quiet", "--dest", str(folder)]
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0 or not wheel.exists():
            raise UserError(f"could not download {WHEEL} from PyPI: {done.stderr.strip()[-500:]}")
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    if digest != WHEEL_SHA256:
        raise UserError(f"{wheel} has sha256 {digest}, expected {WHEEL_SHA256}")
    with zipfile.ZipFile(wheel) as archive:
        target.write_bytes(archive.read(MEMBER))
    return target


def main() -> int:
    import tempfile

    from scripts.predict import bgnbd, gammagamma, summary

    path = fetch(Path(tempfile.gettempdir()) / "mailpipe-cdnow")
    summarized = summary.summarize(
        summary.read_cdnow(path), cutoff=CALIBRATION_END, time_unit="weeks"
    )
    fit = bgnbd.fit(summarized.frequency, summarized.recency, summarized.T)
    fit.require_converged()
    repeat = summarized.frequency > 0
    spend = gammagamma.fit(summarized.frequency[repeat], summarized.monetary_value[repeat])
    spend.require_converged()
    print(f"CDNOW sample: {len(summarized.customer_ids):,} customers, weeks, to {CALIBRATION_END}")
    print("| model | parameter | published | fitted here |")
    print("|---|---|---:|---:|")
    for name, value in PUBLISHED_BGNBD.items():
        print(f"| BG/NBD | {name} | {value} | {getattr(fit.params, name):.4f} |")
    print(
        f"| BG/NBD | log-likelihood | {PUBLISHED_BGNBD_LOG_LIKELIHOOD} | {fit.log_likelihood:.1f} |"
    )
    for name, value in PUBLISHED_GAMMA_GAMMA.items():
        print(f"| Gamma-Gamma | {name} | {value} | {getattr(spend.params, name):.4f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
