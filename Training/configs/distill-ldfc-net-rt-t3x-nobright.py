# configs/distill-ldfc-net-rt-t3x.py (teacher-v3's exposure, regional calibration) without the
# brightness term: with it, every distillation of the real-time student lost 0.02-0.03 SSIM
# against its twin (configs/distill-ldfc-net-rt-t3r-nobright.py: without it, none).
import runpy as _runpy
from pathlib import Path as _Path

globals().update({k: v for k, v in _runpy.run_path(str(_Path(__file__).with_name("distill-ldfc-net-rt-t3x.py"))).items()
                  if not k.startswith("_")})
w_bright = 0.0
