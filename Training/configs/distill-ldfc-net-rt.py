# Steps sized to one 2-core session (distilled run and its no-teacher twin side by side, one
# thread each; ldfc-net ~0.45 s/step, ldfc-net-rt ~0.12 s/step): the cosine schedule ends within it.
mode = "distill"
model = "ldfc-net-rt"
teacher = "teacher"
steps = 10000
w_bright = 0.5
w_colour = 0.5
w_texture = 0.5
w_output = 0.5
teacher_calibration = True  # per-image exposure gain on the teacher's outputs (train.py calibrate_teacher)

# Everything else is train.py DEFAULTS (batch 8, patch 128, lr 1e-3, L1 + 0.5 (1 - SSIM), prior 0.1, self-calibration 0.05).
