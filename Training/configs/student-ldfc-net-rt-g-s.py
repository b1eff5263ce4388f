# configs/student-ldfc-net-rt-g.py (whole-frame phase A, no teacher) on the scene split (val_scenes.txt), the twin of distill-ldfc-net-rt-g-s.
import runpy as _runpy
from pathlib import Path as _Path

globals().update({k: v for k, v in _runpy.run_path(str(_Path(__file__).with_name("student-ldfc-net-rt-g.py"))).items()
                  if not k.startswith("_")})
split = "scenes"

