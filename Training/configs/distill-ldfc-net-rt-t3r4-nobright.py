# configs/distill-ldfc-net-rt-t3r-nobright.py with a finer regional calibration (sigma 4 instead of
# 16): more of the teacher's low band replaced by the ground truth's.
import runpy as _runpy
from pathlib import Path as _Path

globals().update({k: v for k, v in _runpy.run_path(str(_Path(__file__).with_name("distill-ldfc-net-rt-t3r-nobright.py"))).items()
                  if not k.startswith("_")})
teacher_calibration_sigma = 4
