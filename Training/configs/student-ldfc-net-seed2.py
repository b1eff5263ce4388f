# configs/student-ldfc-net.py with seed 2 (other crops, other initial weights): the quality twin's
# second seed, against configs/distill-ldfc-net-t3x-seed2.py.
import runpy as _runpy
from pathlib import Path as _Path

globals().update({k: v for k, v in _runpy.run_path(str(_Path(__file__).with_name("student-ldfc-net.py"))).items()
                  if not k.startswith("_")})
seed = 2
