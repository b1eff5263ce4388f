# configs/student-ldfc-net-rt.py on the crops of the ldfc-net-rt-g runs (256, batch 2): separates
# what the whole-frame view of ldfc-net-rt-g buys from what its larger crops buy.
import runpy as _runpy
from pathlib import Path as _Path

globals().update({k: v for k, v in _runpy.run_path(str(_Path(__file__).with_name("student-ldfc-net-rt.py"))).items()
                  if not k.startswith("_")})
batch = 2
patch = 256
