# configs/distill-ldfc-net-rt-t2.py without the brightness term (the student's L against the
# teacher's): the teacher's L belongs to its own decomposition (its restorer adds what its E
# lacks), so matching it may constrain the student's illumination more than it teaches it.
import runpy as _runpy
from pathlib import Path as _Path

globals().update({k: v for k, v in _runpy.run_path(str(_Path(__file__).with_name("distill-ldfc-net-rt-t2.py"))).items()
                  if not k.startswith("_")})
w_bright = 0.0
