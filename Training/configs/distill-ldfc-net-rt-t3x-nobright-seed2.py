# configs/distill-ldfc-net-rt-t3x-nobright.py with seed 2, against configs/student-ldfc-net-rt-seed2.py:
# whether the gain from the teacher's exposure repeats.
import runpy as _runpy
from pathlib import Path as _Path

globals().update({k: v for k, v in _runpy.run_path(str(_Path(__file__).with_name("distill-ldfc-net-rt-t3x-nobright.py"))).items()
                  if not k.startswith("_")})
seed = 2
