# configs/distill-ldfc-net-rt-t3r-nobright.py without the texture term either (colour and output
# against the regionally calibrated teacher remain). bands.py: the t3r student gained on its twin
# below sigma 4 (23.56 against 23.33 dB at sigma 16) and lost above it (29.17 against 29.45): does
# the gradient term, the teacher's fine texture, cost the 1/4-resolution body its high band?
import runpy as _runpy
from pathlib import Path as _Path

globals().update({k: v for k, v in _runpy.run_path(str(_Path(__file__).with_name("distill-ldfc-net-rt-t3r-nobright.py"))).items()
                  if not k.startswith("_")})
w_texture = 0.0
