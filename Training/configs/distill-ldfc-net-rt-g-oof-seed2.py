# distill-ldfc-net-rt-g-oof with seed 2 (other crops, flips and initial weights): its seed spread.
mode = 'distill'
model = 'ldfc-net-rt-g'
split = 'scenes'
teacher = ['teacher-g-s-f0', 'teacher-g-s-f1']
teacher_calibration = True
teacher_calibration_sigma = 16
exposure_from_teacher = True
steps = 10000
batch = 2
patch = 256
seed = 2
w_colour = 0.5
w_output = 0.5
w_texture = 0.5
