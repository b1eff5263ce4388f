# configs/distill-ldfc-net-rt-t3x-nobright.py (teacher-v3's exposure, regional calibration, no
# brightness term) for ldfc-net-rt-g, the real-time student whose phase A sees the whole frame,
# on the crops of its twin (configs/student-ldfc-net-rt-g.py). exposure.py: the distilled students
# did not follow the teacher's exposure (they cannot see the picture); this one can.
import runpy as _runpy
from pathlib import Path as _Path

globals().update({k: v for k, v in _runpy.run_path(str(_Path(__file__).with_name("distill-ldfc-net-rt-t3x-nobright.py"))).items()
                  if not k.startswith("_")})
model = "ldfc-net-rt-g"
batch = 2
patch = 256
