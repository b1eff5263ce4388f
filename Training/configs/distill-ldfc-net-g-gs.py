# configs/distill-ldfc-net-gs.py (ldfc-net distilled from the whole-frame teacher teacher-g-s, the
# teacher's exposure, regional calibration) for ldfc-net-g, the quality student with the whole-frame
# phase A, on its twin's 256-pixel crops (configs/student-ldfc-net-g-s.py).
import runpy as _runpy
from pathlib import Path as _Path

globals().update({k: v for k, v in _runpy.run_path(str(_Path(__file__).with_name("distill-ldfc-net-gs.py"))).items()
                  if not k.startswith("_")})
model = "ldfc-net-g"
batch = 2
patch = 256
