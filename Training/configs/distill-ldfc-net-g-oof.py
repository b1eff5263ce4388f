# The shipped quality student (Weights/ldfc-net.safetensors): ldfc-net-g distilled from the fold
# teachers' out-of-fold outputs (needs checkpoints teacher-g-s-f0 and -f1). Twin: student-ldfc-net-g-s.
mode = 'distill'
model = 'ldfc-net-g'
split = 'scenes'
teacher = ['teacher-g-s-f0', 'teacher-g-s-f1']
teacher_calibration = True
teacher_calibration_sigma = 16
exposure_from_teacher = True
steps = 7000
batch = 2
patch = 256
w_bright = 0.5
w_colour = 0.5
w_output = 0.5
w_texture = 0.5
