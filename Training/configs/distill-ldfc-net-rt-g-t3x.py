# configs/distill-ldfc-net-rt-g-t3x-nobright.py with the brightness term (the student's L against
# the teacher's, 0.5): for a phase A that sees the whole frame, the term that states the teacher's
# exposure most directly.
import runpy as _runpy
from pathlib import Path as _Path

globals().update({k: v for k, v in _runpy.run_path(str(_Path(__file__).with_name("distill-ldfc-net-rt-g-t3x-nobright.py"))).items()
                  if not k.startswith("_")})
w_bright = 0.5
