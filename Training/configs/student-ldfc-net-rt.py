# Steps sized to one 2-core session (distilled run and its no-teacher twin side by side, one
# thread each; ldfc-net ~0.45 s/step, ldfc-net-rt ~0.12 s/step): the cosine schedule ends within it.
mode = "student"
model = "ldfc-net-rt"
steps = 10000

# Everything else is train.py DEFAULTS (batch 8, patch 128, lr 1e-3, L1 + 0.5 (1 - SSIM), prior 0.1, self-calibration 0.05).
