# configs/distill-ldfc-net.py's recipe (the same steps as the no-teacher twin, configs/student-ldfc-net.py)
# with the second teacher, configs/teacher-v2.py: the first teacher was weaker than the students.
mode = "distill"
model = "ldfc-net"
teacher = "teacher-v2"
steps = 7000
w_bright = 0.5
w_colour = 0.5
w_texture = 0.5
w_output = 0.5
teacher_calibration = True  # per-image exposure gain on the teacher's outputs (train.py calibrate_teacher)

# Everything else is train.py DEFAULTS (batch 8, patch 128, lr 1e-3, L1 + 0.5 (1 - SSIM), prior 0.1, self-calibration 0.05).
