# configs/distill-ldfc-net-t3x.py with seed 2, against configs/student-ldfc-net-seed2.py: whether the
# gain from the teacher's exposure repeats for the quality student.
import runpy as _runpy
from pathlib import Path as _Path

globals().update({k: v for k, v in _runpy.run_path(str(_Path(__file__).with_name("distill-ldfc-net-t3x.py"))).items()
                  if not k.startswith("_")})
seed = 2
